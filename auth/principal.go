package auth

import (
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Principal is the caller a verified token names.
type Principal struct {
	UserID   string
	Role     persistence.Role
	TenantID string // empty for platform admins
	// PasswordTag is the token's tag of its user's password hash at issue; IssuedAt when it
	// was issued (whole seconds), for tokens issued before tags. A token from before its
	// user's password changed is refused (accounts.Authenticate).
	PasswordTag string
	IssuedAt    time.Time
}

// IsPlatformAdmin reports whether p may act on every tenant.
func (p Principal) IsPlatformAdmin() bool { return p.Role == persistence.RolePlatformAdmin }
