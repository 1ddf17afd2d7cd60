package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchboard/switchboard/persistence"
)

var key = []byte("0123456789abcdef0123456789abcdef-test-key")

func agent() persistence.User {
	return persistence.User{ID: "u1", Role: persistence.RoleAgent, TenantID: "t1"}
}

func TestTokenRoundTrip(t *testing.T) {
	tok := NewTokens(key, "switchboard", time.Hour)
	s, exp, err := tok.Issue(agent())
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(exp) < 59*time.Minute {
		t.Fatalf("expiry %v", exp)
	}
	p, err := tok.Verify(s)
	if err != nil {
		t.Fatal(err)
	}
	if p.IssuedAt.IsZero() {
		t.Fatalf("no issue time in %+v", p)
	}
	if p.PasswordTag == "" {
		t.Fatalf("no password tag in %+v", p)
	}
	if p.IssuedAt, p.PasswordTag = (time.Time{}), ""; p != (Principal{UserID: "u1", Role: persistence.RoleAgent, TenantID: "t1"}) {
		t.Fatalf("principal %+v", p)
	}
}

func TestTokenRejections(t *testing.T) {
	tok := NewTokens(key, "switchboard", time.Hour)
	good, _, _ := tok.Issue(agent())
	parts := strings.Split(good, ".")

	expired := NewTokens(key, "switchboard", time.Hour)
	expired.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	expiredTok, _, _ := expired.Issue(agent())

	otherKey, _, _ := NewTokens([]byte("another-key-another-key-another-key!"), "switchboard", time.Hour).Issue(agent())
	otherIssuer, _, _ := NewTokens(key, "someone-else", time.Hour).Issue(agent())

	// alg none: a header saying none and an empty signature.
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"sub": "u1", "role": "platform_admin", "iss": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
	})
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)

	// Tampered payload: escalate the role, keep the old signature.
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	escalated := strings.Replace(string(payload), `"agent"`, `"platform_admin"`, 1)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(escalated)) + "." + parts[2]

	// HS512 with the right key is still refused: only HS256 is accepted.
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{
		"sub": "u1", "role": "agent", "tid": "t1", "iss": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(key)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "u1", "role": "agent", "tid": "t1", "iss": "switchboard",
	}).SignedString(key)
	noTenant, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "u1", "role": "agent", "iss": "switchboard", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(key)

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"expired", expiredTok, ErrTokenExpired},
		{"tampered", tampered, ErrTokenInvalid},
		{"alg none", noneTok, ErrTokenInvalid},
		{"other key", otherKey, ErrTokenInvalid},
		{"other issuer", otherIssuer, ErrTokenInvalid},
		{"hs512", hs512, ErrTokenInvalid},
		{"no expiry", noExp, ErrTokenInvalid},
		{"agent without tenant", noTenant, ErrTokenInvalid},
		{"garbage", "not.a.token", ErrTokenInvalid},
		{"empty", "", ErrTokenInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tok.Verify(tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
		})
	}
}

// A token verified once is answered from the cache until it expires, and then refused as
// expired; the cache never admits a token it did not verify, even one sharing a prefix.
func TestVerifiedTokenCacheHonoursExpiry(t *testing.T) {
	now := time.Now()
	tok := NewTokens(key, "switchboard", time.Minute)
	tok.now = func() time.Time { return now }
	s, _, err := tok.Issue(agent())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the first parses, the second is a cache hit
		if p, err := tok.Verify(s); err != nil || p.UserID != "u1" {
			t.Fatalf("verify %d: %+v %v", i, p, err)
		}
	}
	if _, err := tok.Verify(otherSignature(s)); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("a token differing in its signature: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := tok.Verify(s); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("cached token past its expiry: %v, want ErrTokenExpired", err)
	}
}

func TestVerifiedTokenCacheIsBounded(t *testing.T) {
	tok := NewTokens(key, "switchboard", time.Hour)
	for i := range maxVerified + 10 {
		u := agent()
		u.ID = fmt.Sprintf("u%d", i)
		s, _, err := tok.Issue(u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tok.Verify(s); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tok.seen.m); n > maxVerified {
		t.Fatalf("cache holds %d tokens, bound is %d", n, maxVerified)
	}
}

// otherSignature changes the first character of s's signature. The first, not the last: the
// last of an unpadded base64url signature carries padding bits a decoder may ignore, and a
// fixed replacement may equal the original (a test that failed once in ~1,000 runs).
func otherSignature(s string) string {
	i := strings.LastIndexByte(s, '.') + 1
	c := byte('A')
	if s[i] == c {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// The expiry Issue reports (the login's expiresAt) is the token's own: it was now + ttl to
// the nanosecond while the token's exp counts whole seconds, so a client trusting expiresAt
// used the token for up to a second after it had expired.
func TestIssuedExpiryIsTheTokens(t *testing.T) {
	tok := NewTokens(key, "switchboard", time.Hour)
	now := time.Date(2026, 12, 7, 1, 56, 25, 132024017, time.UTC)
	tok.now = func() time.Time { return now }
	s, exp, err := tok.Issue(agent())
	if err != nil {
		t.Fatal(err)
	}
	var c claims
	if _, _, err := jwt.NewParser().ParseUnverified(s, &c); err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(c.ExpiresAt.Time) {
		t.Fatalf("Issue reports expiry %v, the token's exp is %v", exp, c.ExpiresAt.Time)
	}
	tok.now = func() time.Time { return exp }
	if _, err := tok.Verify(s); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("at the reported expiry: %v, want ErrTokenExpired", err)
	}
}
