package accounts

import (
	"context"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/persistence"
)

// CreateTenant creates an active tenant not yet connected to WhatsApp (platform admins only).
func (s *Service) CreateTenant(ctx context.Context, caller auth.Principal, name string) (persistence.Tenant, error) {
	if !caller.IsPlatformAdmin() {
		return persistence.Tenant{}, auth.ErrForbidden
	}
	name = strings.TrimSpace(name)
	var v ValidationError
	if p := nameProblem(name); p != "" {
		v.add("name", p)
	}
	if err := v.orNil(); err != nil {
		return persistence.Tenant{}, err
	}
	now := s.now()
	t := persistence.Tenant{ID: s.ids.New(), Name: name, Active: true, CreatedAt: now, UpdatedAt: now}
	if err := s.dir.CreateTenant(ctx, t); err != nil {
		return persistence.Tenant{}, fmt.Errorf("accounts: create tenant: %w", err)
	}
	return t, nil
}

// ListTenants pages through tenants (platform admins only).
func (s *Service) ListTenants(ctx context.Context, caller auth.Principal, p persistence.Page) ([]persistence.Tenant, int, error) {
	if !caller.IsPlatformAdmin() {
		return nil, 0, auth.ErrForbidden
	}
	ts, total, err := s.dir.ListTenants(ctx, p)
	if err != nil {
		return nil, 0, fmt.Errorf("accounts: list tenants: %w", err)
	}
	return ts, total, nil
}
