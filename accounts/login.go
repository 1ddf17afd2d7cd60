package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Session is what a successful login returns.
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      persistence.User
}

// Login checks email and password. An unknown email and a wrong password both answer
// ErrBadCredentials after the same bcrypt work, so neither the answer nor its timing tells
// which emails exist.
func (s *Service) Login(ctx context.Context, email, password string) (Session, error) {
	u, err := s.dir.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	switch {
	case errors.Is(err, persistence.ErrNotFound):
		if _, err := s.passwords.Check(ctx, "", password); err != nil {
			return Session{}, fmt.Errorf("accounts: login: %w", err)
		}
		return Session{}, ErrBadCredentials
	case err != nil:
		return Session{}, fmt.Errorf("accounts: login: %w", err)
	}
	ok, err := s.passwords.Check(ctx, u.PasswordHash, password)
	if err != nil {
		return Session{}, fmt.Errorf("accounts: login: %w", err)
	}
	if !ok {
		return Session{}, ErrBadCredentials
	}
	if !u.Active {
		return Session{}, ErrUserDisabled
	}
	if u.TenantID != "" {
		// A tenant gone from the directory is no more active than a deactivated one (as
		// Authenticate decides for tokens); its not-found would answer the login 404.
		t, err := s.dir.TenantByID(ctx, u.TenantID)
		if err != nil && !errors.Is(err, persistence.ErrNotFound) {
			return Session{}, fmt.Errorf("accounts: login: tenant of user: %w", err)
		}
		if err != nil || !t.Active {
			return Session{}, ErrTenantInactive
		}
	}
	u = s.rehash(ctx, u, password)
	token, exp, err := s.tokens.Issue(u)
	if err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresAt: exp, User: u}, nil
}
