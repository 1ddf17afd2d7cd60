package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/persistence"
)

// RegisterInput is POST /auth/register. Role defaults to agent; TenantID defaults to the
// caller's own tenant.
type RegisterInput struct {
	Email    string
	Password string
	Name     string
	Role     persistence.Role
	TenantID string
}

// Register creates a user if the caller may create that role in that tenant.
func (s *Service) Register(ctx context.Context, caller auth.Principal, in RegisterInput) (persistence.User, error) {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	if in.Role == "" {
		in.Role = persistence.RoleAgent
	}
	if in.TenantID == "" && in.Role != persistence.RolePlatformAdmin {
		in.TenantID = caller.TenantID
	}
	// Authorisation before the input's faults: a caller refused anyway (an agent, a tenant
	// admin asking for a platform admin) is told so, not how to fix a request it may not
	// make. An unknown role is the input's fault, judged as the least role, an agent.
	asked := in.Role
	if !asked.Valid() {
		asked = persistence.RoleAgent
	}
	if err := caller.CanRegister(asked, in.TenantID); err != nil {
		return persistence.User{}, err
	}
	if err := validateRegister(in); err != nil {
		return persistence.User{}, err
	}
	if in.TenantID != "" {
		t, err := s.dir.TenantByID(ctx, in.TenantID)
		if errors.Is(err, persistence.ErrNotFound) {
			return persistence.User{}, auth.ErrNotVisible
		}
		if err != nil {
			return persistence.User{}, fmt.Errorf("accounts: register: %w", err)
		}
		if !t.Active {
			return persistence.User{}, ErrTenantInactive
		}
	}
	// Cheap duplicate check first, so a taken email does not cost a bcrypt hash; the store's
	// unique key still decides races.
	if _, err := s.dir.UserByEmail(ctx, in.Email); err == nil {
		return persistence.User{}, ErrEmailTaken
	} else if !errors.Is(err, persistence.ErrNotFound) {
		return persistence.User{}, fmt.Errorf("accounts: register: %w", err)
	}
	hash, err := s.passwords.Hash(ctx, in.Password)
	if err != nil {
		return persistence.User{}, err
	}
	now := s.now()
	u := persistence.User{
		ID: s.ids.New(), Email: in.Email, Name: in.Name, PasswordHash: hash,
		Role: in.Role, TenantID: in.TenantID, Active: true, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.dir.CreateUser(ctx, u); err != nil {
		if errors.Is(err, persistence.ErrConflict) {
			return persistence.User{}, ErrEmailTaken
		}
		return persistence.User{}, fmt.Errorf("accounts: register: %w", err)
	}
	return u, nil
}

func validateRegister(in RegisterInput) error {
	var v ValidationError
	if in.Email == "" {
		v.add("email", "is required")
	} else if p := emailProblem(in.Email); p != "" {
		v.add("email", p)
	}
	if in.Password == "" {
		v.add("password", "is required")
	} else if err := auth.ValidatePassword(in.Password); err != nil {
		v.add("password", err.Error())
	}
	if p := nameProblem(in.Name); p != "" {
		v.add("name", p)
	}
	if !in.Role.Valid() {
		v.add("role", "must be platform_admin, tenant_admin or agent")
	}
	if in.Role == persistence.RolePlatformAdmin && in.TenantID != "" {
		v.add("tenantId", "must be empty for a platform_admin")
	}
	if in.Role != persistence.RolePlatformAdmin && in.Role.Valid() && in.TenantID == "" {
		v.add("tenantId", "is required")
	}
	return v.orNil()
}

// Profile is a user with its tenant (GET /auth/me).
type Profile struct {
	User   persistence.User
	Tenant *persistence.Tenant
}

// Me returns the caller's user and tenant.
func (s *Service) Me(ctx context.Context, caller auth.Principal) (Profile, error) {
	u, err := s.dir.UserByID(ctx, caller.UserID)
	if err != nil {
		return Profile{}, fmt.Errorf("accounts: me: %w", err)
	}
	p := Profile{User: u}
	if u.TenantID != "" {
		t, err := s.dir.TenantByID(ctx, u.TenantID)
		if err != nil {
			return Profile{}, fmt.Errorf("accounts: me: tenant: %w", err)
		}
		p.Tenant = &t
	}
	return p, nil
}

// TenantUser returns an active user of tenantID; any other user (unknown, disabled, or of
// another tenant) is persistence.ErrNotFound, so ids of other tenants are not confirmed.
func (s *Service) TenantUser(ctx context.Context, tenantID, userID string) (persistence.User, error) {
	u, err := s.dir.UserByID(ctx, userID)
	if err != nil {
		return persistence.User{}, fmt.Errorf("accounts: tenant user: %w", err)
	}
	if u.TenantID != tenantID || !u.Active {
		return persistence.User{}, fmt.Errorf("accounts: tenant user %s: %w", userID, persistence.ErrNotFound)
	}
	return u, nil
}
