package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/switchboard/switchboard/persistence"
)

// Token errors; the edge maps them to 401 token_expired / token_invalid.
var (
	ErrTokenExpired = errors.New("auth: token expired")
	ErrTokenInvalid = errors.New("auth: token invalid")
)

// Tokens issues and verifies HS256 API tokens.
type Tokens struct {
	key    []byte
	issuer string
	ttl    time.Duration
	now    func() time.Time
	seen   verifiedTokens
}

// NewTokens signs with key, writes and requires issuer, and issues tokens valid for ttl.
func NewTokens(key []byte, issuer string, ttl time.Duration) *Tokens {
	return &Tokens{key: key, issuer: issuer, ttl: ttl, now: time.Now}
}

type claims struct {
	Role     persistence.Role `json:"role"`
	TenantID string           `json:"tid,omitempty"`
	// PasswordTag names the password hash the user had at issue (PasswordTag).
	PasswordTag string `json:"pwt,omitempty"`
	jwt.RegisteredClaims
}

// PasswordTag names a password hash in a token without revealing it: a token carries the tag
// of the hash its user had when it was issued, so changing the password refuses every token
// issued before, at once (accounts.Authenticate compares it with the user's current one).
func PasswordTag(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// SessionTag is the tag tokens of u carry: its hash's, or the one a rehash kept
// (persistence.User.PasswordTag), so that rehashing a password at another cost ends no
// session while a new password ends them all.
func SessionTag(u persistence.User) string {
	if u.PasswordTag != "" {
		return u.PasswordTag
	}
	return PasswordTag(u.PasswordHash)
}

// Issue returns a signed token for u and its expiry.
func (t *Tokens) Issue(u persistence.User) (string, time.Time, error) {
	now := t.now()
	// Whole seconds, as the token's exp counts them: the expiry reported is the token's own.
	exp := now.Add(t.ttl).Truncate(time.Second)
	c := claims{
		Role: u.Role, TenantID: u.TenantID, PasswordTag: SessionTag(u),
		RegisteredClaims: jwt.RegisteredClaims{
			Subject: u.ID, Issuer: t.issuer,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return s, exp, nil
}

// Verify checks signature (HS256 only, so "alg: none" and algorithm swaps fail), issuer and
// expiry, and returns the principal. A token verified before is only checked for expiry
// (verifiedTokens).
func (t *Tokens) Verify(token string) (Principal, error) {
	if p, fresh, ok := t.seen.get(token, t.now()); ok {
		if !fresh {
			return Principal{}, ErrTokenExpired
		}
		return p, nil
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Principal{}, ErrTokenExpired
	case err != nil:
		return Principal{}, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	p := Principal{UserID: c.Subject, Role: c.Role, TenantID: c.TenantID, PasswordTag: c.PasswordTag}
	if c.IssuedAt != nil {
		p.IssuedAt = c.IssuedAt.Time.UTC()
	}
	if p.UserID == "" || !p.Role.Valid() || (p.Role != persistence.RolePlatformAdmin && p.TenantID == "") {
		return Principal{}, fmt.Errorf("%w: incomplete claims", ErrTokenInvalid)
	}
	t.seen.put(token, p, c.ExpiresAt.Time)
	return p, nil
}
