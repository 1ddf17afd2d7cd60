package auth

import "github.com/switchboard/switchboard/persistence"

// Principal is the caller a verified token names.
type Principal struct {
	UserID   string
	Role     persistence.Role
	TenantID string // empty for platform admins
}

// IsPlatformAdmin reports whether p may act on every tenant.
func (p Principal) IsPlatformAdmin() bool { return p.Role == persistence.RolePlatformAdmin }
