package auth

import (
	"errors"

	"github.com/switchboard/switchboard/persistence"
)

// Policy errors. ErrNotVisible is deliberately the same answer as "does not exist": a caller
// outside a tenant must not learn that an id belongs to someone (the edge answers 404).
var (
	ErrNotVisible = errors.New("auth: resource not visible to caller")
	ErrForbidden  = errors.New("auth: forbidden")
)

// CanSeeTenant reports whether p may read resources of tenantID. This is the one place
// tenant isolation is decided.
func (p Principal) CanSeeTenant(tenantID string) bool {
	return p.IsPlatformAdmin() || (tenantID != "" && p.TenantID == tenantID)
}

// TenantScope resolves which tenant a tenant-scoped request acts on. Platform admins name it
// with ?tenantId= (empty is returned as is: the tenant-scoped lists refuse it with a 400, as
// each tenant's conversations and templates live in that tenant's actors and a listing of
// every tenant would ask them all); everyone else is pinned to their own tenant, and naming
// another one is ErrNotVisible.
func (p Principal) TenantScope(requested string) (string, error) {
	if p.IsPlatformAdmin() {
		return requested, nil
	}
	if requested != "" && requested != p.TenantID {
		return "", ErrNotVisible
	}
	return p.TenantID, nil
}

// CanManageTenant reports whether p may change settings of tenantID.
func (p Principal) CanManageTenant(tenantID string) bool {
	return p.IsPlatformAdmin() || (p.Role == persistence.RoleTenantAdmin && p.TenantID == tenantID)
}

// RegistersUsers reports whether p may create any user at all: platform admins and tenant
// admins (agents of their own tenant). Asked before a request is read, so a caller who may
// register no one is refused as such, whatever it sent.
func (p Principal) RegistersUsers() bool {
	return p.IsPlatformAdmin() || p.Role == persistence.RoleTenantAdmin
}

// CanRegister decides whether p may create a user with role in tenantID. Platform admins
// create anyone; tenant admins create agents of their own tenant only (no escalation to
// tenant_admin or platform_admin, no other tenant); agents create no one.
func (p Principal) CanRegister(role persistence.Role, tenantID string) error {
	switch p.Role {
	case persistence.RolePlatformAdmin:
		return nil
	case persistence.RoleTenantAdmin:
		// The role is checked first: an escalation attempt is refused as such (403),
		// whatever tenant it names.
		if role != persistence.RoleAgent {
			return ErrForbidden
		}
		if tenantID != p.TenantID {
			return ErrNotVisible
		}
		return nil
	default:
		return ErrForbidden
	}
}
