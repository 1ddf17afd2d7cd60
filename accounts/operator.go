package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/persistence"
)

// SetOperatorPassword is the operator's way in, from the machine the engine runs on
// (`switchboard admin`), where no API caller exists yet: it gives the user with this email a
// new password, or, when there is none, creates a platform admin with it. A production store
// has no other way to get its first platform admin (seed refuses production), nor to replace
// a seed user's published password. It reports whether it created the user.
func (s *Service) SetOperatorPassword(ctx context.Context, email, name, password string) (created bool, err error) {
	in := RegisterInput{Email: strings.ToLower(strings.TrimSpace(email)), Password: password,
		Name: strings.TrimSpace(name), Role: persistence.RolePlatformAdmin}
	if in.Name == "" {
		in.Name = "Platform Admin"
	}
	u, err := s.dir.UserByEmail(ctx, in.Email)
	switch {
	case errors.Is(err, persistence.ErrNotFound):
		_, err := s.Register(ctx, auth.Principal{Role: persistence.RolePlatformAdmin}, in)
		return err == nil, err
	case err != nil:
		return false, fmt.Errorf("accounts: operator password: %w", err)
	}
	// Only the password is new: an existing user keeps its address even where today's
	// rules (emailProblem) would refuse it to a new one.
	if err := auth.ValidatePassword(password); err != nil {
		return false, ValidationError{{Field: "password", Message: err.Error()}}
	}
	hash, err := s.passwords.Hash(ctx, password)
	if err != nil {
		return false, err
	}
	if err := s.dir.SetPassword(ctx, u.ID, hash, s.now()); err != nil {
		return false, fmt.Errorf("accounts: operator password: %w", err)
	}
	// Tokens issued before are refused from now on (liveState), by this process at once and
	// by a running node within its cache's liveTTL.
	s.Forget(u.ID)
	return false, nil
}
