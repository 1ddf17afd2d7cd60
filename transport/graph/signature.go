package graph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
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
	keys [][]byte
}

// NewVerifier accepts signatures made with any of secrets.
func NewVerifier(secrets []string) *Verifier {
	v := &Verifier{}
	for _, s := range secrets {
		v.keys = append(v.keys, []byte(s))
	}
	return v
}

// Verify checks header ("sha256=<64 lower- or upper-case hex>") against the HMAC-SHA256 of
// the exact raw body. It must see the bytes as received: Meta escapes non-ASCII as \uXXXX,
// and decoding then re-encoding would change them. Comparison is constant-time.
func (v *Verifier) Verify(body []byte, header string) error {
	if header == "" {
		return ErrSignatureMissing
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != sha256.Size*2 {
		return ErrSignatureMalformed
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], []byte(hexSig)); err != nil {
		return ErrSignatureMalformed
	}
	for _, k := range v.keys {
		if hmac.Equal(got[:], Sign(k, body)) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

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
