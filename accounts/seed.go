package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

// The demo tenant is connected to the fixtures' tenant A (API.md), so the shared webhook
// fixtures and fakemeta work against a freshly seeded engine.
const (
	DemoTenantName          = "Demo Business"
	DemoPhoneNumberID       = "109881335267193"
	DemoWABAID              = "104996122399160"
	DemoDisplayPhoneNumber  = "+15550123456"
	demoPlaceholderToken    = "EAAdemo-placeholder-access-token"
	seedPlatformAdminEmail  = "admin@whatsapp-saas.com"
	seedTenantAdminEmail    = "demo@whatsapp-saas.com"
	seedAgentEmail          = "agent@whatsapp-saas.com"
	seedPlatformAdminSecret = "Admin@123456"
	seedTenantAdminSecret   = "Demo@123456"
	seedAgentSecret         = "Agent@123456"
)

// seedUsers are API.md's seed users, with their published passwords: the platform admin, and
// the demo tenant's admin and agent.
var seedUsers = []struct {
	email, password, name string
	role                  persistence.Role
}{
	{seedPlatformAdminEmail, seedPlatformAdminSecret, "Platform Admin", persistence.RolePlatformAdmin},
	{seedTenantAdminEmail, seedTenantAdminSecret, "Demo Admin", persistence.RoleTenantAdmin},
	{seedAgentEmail, seedAgentSecret, "Demo Agent", persistence.RoleAgent},
}

// SeedReport says what Seed created; a second run creates nothing.
type SeedReport struct {
	Created []string
	Tenant  persistence.Tenant
}

// Seed creates the three seed users of API.md and the demo tenant. It only ever creates:
// existing users and the tenant are left exactly as they are, so running it twice changes
// nothing.
func (s *Service) Seed(ctx context.Context) (SeedReport, error) {
	var r SeedReport
	t, err := s.dir.TenantByPhoneNumberID(ctx, DemoPhoneNumberID)
	switch {
	case errors.Is(err, persistence.ErrNotFound):
		now := s.now()
		t = persistence.Tenant{
			ID: s.ids.New(), Name: DemoTenantName, Active: true,
			WABAID: DemoWABAID, PhoneNumberID: DemoPhoneNumberID, DisplayPhoneNumber: DemoDisplayPhoneNumber,
			CreatedAt: now, UpdatedAt: now,
		}
		if t.AccessToken, err = s.vault.Seal(demoPlaceholderToken, t.ID); err != nil {
			return r, fmt.Errorf("accounts: seed: %w", err)
		}
		if err := s.dir.CreateTenant(ctx, t); err != nil {
			return r, fmt.Errorf("accounts: seed tenant: %w", err)
		}
		r.Created = append(r.Created, "tenant "+DemoTenantName)
	case err != nil:
		return r, fmt.Errorf("accounts: seed: %w", err)
	}
	r.Tenant = t

	for _, su := range seedUsers {
		_, err := s.dir.UserByEmail(ctx, su.email)
		if err == nil {
			continue
		}
		if !errors.Is(err, persistence.ErrNotFound) {
			return r, fmt.Errorf("accounts: seed %s: %w", su.email, err)
		}
		hash, err := s.passwords.Hash(ctx, su.password)
		if err != nil {
			return r, err
		}
		now := s.now()
		u := persistence.User{
			ID: s.ids.New(), Email: su.email, Name: su.name, PasswordHash: hash,
			Role: su.role, Active: true, CreatedAt: now, UpdatedAt: now,
		}
		if su.role != persistence.RolePlatformAdmin {
			u.TenantID = t.ID // the demo tenant's
		}
		if err := s.dir.CreateUser(ctx, u); err != nil && !errors.Is(err, persistence.ErrConflict) {
			return r, fmt.Errorf("accounts: seed %s: %w", su.email, err)
		}
		r.Created = append(r.Created, string(su.role)+" "+su.email)
	}
	return r, nil
}

// PublishedPasswordsInUse lists the seed users that still log in with the password API.md
// publishes. A store seeded in development (make run, a staging run) and taken to production
// would keep a platform admin anyone can log in as; the engine refuses to start in production
// while this list is not empty.
func (s *Service) PublishedPasswordsInUse(ctx context.Context) ([]string, error) {
	var inUse []string
	for _, su := range seedUsers {
		u, err := s.dir.UserByEmail(ctx, su.email)
		switch {
		case errors.Is(err, persistence.ErrNotFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("accounts: seed user %s: %w", su.email, err)
		}
		// Inactive ones too: reactivated, they would bring the published password back.
		published, err := s.passwords.Check(ctx, u.PasswordHash, su.password)
		if err != nil {
			return nil, fmt.Errorf("accounts: seed user %s: %w", su.email, err)
		}
		if published {
			inUse = append(inUse, su.email)
		}
	}
	return inUse, nil
}
