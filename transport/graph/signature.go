package graph

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"sync"
)

// SignatureHeader is the header Meta signs webhook bodies in.
const SignatureHeader = "X-Hub-Signature-256"

// Signature errors. The edge answers 401 for each and stores nothing.
var (
	ErrSignatureMissing   = errors.New("graph: X-Hub-Signature-256 missing")
	ErrSignatureMalformed = errors.New("graph: X-Hub-Signature-256 malformed")
	ErrSignatureMismatch  = errors.New("graph: X-Hub-Signature-256 does not match")
)

// Verifier checks webhook signatures against one or more app secrets (several during a
// secret rotation, or when one engine serves several Meta apps).
type Verifier struct {
	keys []*sync.Pool // of *mac, one pool a secret
}

// mac is one secret's HMAC-SHA256, reused from verification to verification: building one
// and its sum cost eight allocations per webhook.
type mac struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// NewVerifier accepts signatures made with any of secrets.
func NewVerifier(secrets []string) *Verifier {
	v := &Verifier{}
	for _, s := range secrets {
		key := []byte(s)
		v.keys = append(v.keys, &sync.Pool{New: func() any { return &mac{h: hmac.New(sha256.New, key)} }})
	}
	return v
}

// Verify checks header ("sha256=<64 lower- or upper-case hex>") against the HMAC-SHA256 of
// the exact raw body. It must see the bytes as received: Meta escapes non-ASCII as \uXXXX,
// and decoding then re-encoding would change them. Comparison is constant-time.
func (v *Verifier) Verify(body []byte, header string) error {
	return v.VerifyHeader(body, []byte(header))
}

// VerifyHeader is Verify with the header's bytes as the request holds them: no copy, and no
// allocation at all (the edge checks every webhook).
func (v *Verifier) VerifyHeader(body, header []byte) error {
	if len(header) == 0 {
		return ErrSignatureMissing
	}
	hexSig, ok := bytes.CutPrefix(header, []byte(signaturePrefix))
	if !ok || len(hexSig) != 2*sha256.Size {
		return ErrSignatureMalformed
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], hexSig); err != nil { // either case
		return ErrSignatureMalformed
	}
	for _, pool := range v.keys {
		m := pool.Get().(*mac)
		m.h.Reset()
		m.h.Write(body)
		ok := hmac.Equal(got[:], m.h.Sum(m.sum[:0]))
		pool.Put(m)
		if ok {
			return nil
		}
	}
	return ErrSignatureMismatch
}

const signaturePrefix = "sha256="

// Sign returns HMAC-SHA256(key, body) (fakemeta and tests sign with it).
func Sign(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

// SignatureValue is the header value for body signed with secret.
func SignatureValue(secret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(Sign([]byte(secret), body))
}
