package auth

import (
	"sync"
	"time"
)

// maxVerified bounds the verified-token cache. A full cache is emptied and refills from the
// tokens in use; 4,096 tokens of ~300 bytes is about 1.5 MB.
const maxVerified = 4096

// verifiedTokens remembers tokens whose signature, issuer and claims were already checked,
// with their principal and expiry. Parsing a JWT (two JSON decodes) was ~4% of the CPU of a
// send API call, repeated for every call of the same agent. Keyed by the whole token string,
// signature included, so a hit is a byte-for-byte token this node verified; the one check
// that changes with time, expiry, is made again on every hit. Whether the user may still act
// (disabled, role changed) is not a property of the token: accounts checks it per request.
type verifiedTokens struct {
	mu sync.RWMutex
	m  map[string]verifiedToken
}

type verifiedToken struct {
	p   Principal
	exp time.Time
}

func (v *verifiedTokens) get(token string, now time.Time) (Principal, bool, bool) {
	v.mu.RLock()
	e, ok := v.m[token]
	v.mu.RUnlock()
	if !ok {
		return Principal{}, false, false
	}
	return e.p, now.Before(e.exp), true
}

func (v *verifiedTokens) put(token string, p Principal, exp time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerified {
		v.m = make(map[string]verifiedToken, 64)
	}
	v.m[token] = verifiedToken{p: p, exp: exp}
}
