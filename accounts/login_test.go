package accounts

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// A user whose tenant is gone from the directory logs in as one of a deactivated tenant
// would: refused as ErrTenantInactive, as Authenticate treats its tokens. Login passed the
// store's not-found through, and the edge answered the login 404 "Resource not found".
func TestLoginOfAUserWhoseTenantIsGone(t *testing.T) {
	deps := newTestDeps(t)
	s := deps.service()
	ctx := t.Context()
	deps.storeUser(t, "01a24e374de53c57003ba0d9", "orphan@example.com", persistence.RoleAgent,
		"01a24e374cf13c57003bffff", "Agent@123456")
	if _, err := s.Login(ctx, "orphan@example.com", "Agent@123456"); !errors.Is(err, ErrTenantInactive) {
		t.Fatalf("login: %v, want ErrTenantInactive", err)
	}
}
