package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

// Refusals limits webhook POSTs refused for their signature, per client address
// (RATE_LIMIT_WEBHOOK_REFUSED). Verifying costs an HMAC over the whole body (up to
// WEBHOOK_BODY_LIMIT, 3 MiB), and the endpoint is public: without a limit anyone could make
// the engine hash bodies at line rate. Past the limit an address's POSTs are answered 429
// before their body is hashed.
//
// Correctly signed traffic is not held back: only refusals count; an address that delivered
// a signed webhook within the rule's window (Meta's) is never limited, even behind a proxy
// that is not declared (TRUST_PROXY), where every request has the proxy's address and the
// limit then does nothing; and an address past the limit still has one POST a second
// verified (probeRule), so Meta's own retries — after a wrong WHATSAPP_APP_SECRET had them
// refused, then was fixed — get through within about a second and free their address.
type Refusals struct {
	limiter ratelimit.Limiter
	rule    ratelimit.Rule
	key     func(*fasthttp.RequestCtx) string

	mu sync.RWMutex
	// signed holds when each address last delivered a signed webhook; bounded by
	// maxSignedAddresses (Meta posts from a few ranges).
	signed map[string]time.Time
}

// probeRule is how often an address past the limit still has a POST verified.
var probeRule = ratelimit.Rule{Name: "webhook_probe", Limit: 1, Window: time.Second}

// maxSignedAddresses bounds the addresses remembered for delivering signed webhooks; past
// it, a new one is remembered only once an old one's window has passed (it is then limited
// as any other address, should it also send refused ones).
const maxSignedAddresses = 4096

// NewRefusals limits refused POSTs by rule per key (the client address); a nil limiter or a
// zero rule limits nothing.
func NewRefusals(l ratelimit.Limiter, rule ratelimit.Rule, key func(*fasthttp.RequestCtx) string) *Refusals {
	if l == nil || rule.Limit == 0 || key == nil {
		return nil
	}
	return &Refusals{limiter: l, rule: rule, key: key, signed: make(map[string]time.Time)}
}

// admit reports whether the POST may be verified, and its address's key (for refused and
// delivered, which keep an address that delivers signed webhooks unlimited). On false it
// has answered 429. A limiter in trouble admits, as edge.RateLimit does. Limiter calls take
// context.Background(), never the RequestCtx (recycled when the handler returns).
func (r *Refusals) admit(ctx *fasthttp.RequestCtx, now time.Time) (string, bool) {
	if r == nil {
		return "", true
	}
	key := r.key(ctx)
	if r.delivers(key, now) {
		return key, true
	}
	d, err := r.limiter.Peek(context.Background(), r.rule, key)
	if err != nil || d.Allowed {
		return key, true
	}
	if p, err := r.limiter.Allow(context.Background(), probeRule, key); err != nil || p.Allowed {
		return key, true
	}
	edge.Limited(ctx, d.RetryAfter, "Too many webhooks with a missing or wrong signature from this address")
	return key, false
}

// refused counts a POST refused for its signature against its address.
func (r *Refusals) refused(key string) {
	if r != nil && key != "" {
		_, _ = r.limiter.Allow(context.Background(), r.rule, key) // in trouble: uncounted, as admit admits
	}
}

// delivered remembers that key delivered a signed webhook; written at most every tenth of
// the window per address, so Meta's stream mostly takes the read lock.
func (r *Refusals) delivered(key string, now time.Time) {
	if r == nil || key == "" {
		return
	}
	r.mu.RLock()
	last, ok := r.signed[key]
	r.mu.RUnlock()
	if ok && now.Sub(last) < r.rule.Window/10 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.signed[key]; !ok && len(r.signed) >= maxSignedAddresses {
		for k, at := range r.signed {
			if now.Sub(at) >= r.rule.Window {
				delete(r.signed, k)
			}
		}
		if len(r.signed) >= maxSignedAddresses {
			return
		}
	}
	r.signed[key] = now
}

// delivers reports whether key delivered a signed webhook within the window.
func (r *Refusals) delivers(key string, now time.Time) bool {
	r.mu.RLock()
	last, ok := r.signed[key]
	r.mu.RUnlock()
	return ok && now.Sub(last) < r.rule.Window
}
