package accounts

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// A user whose tenant is gone from the directory logs in as one of a deactivated tenant
// would: refused as ErrTenantInactive, as Authenticate treats its tokens. Login passed the
// store's not-found through, and the edge answered the login 404 "Resource not found".
func TestLoginOfAUserWhoseTenantIsGone(t *testing.T) {
	deps := newTestDeps(t)
	s := deps.service()
	ctx := t.Context()
	hash, err := deps.passwords.Hash(ctx, "Agent@123456")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	u := persistence.User{ID: "01a24e374de53c57003ba0d9", Email: "orphan@example.com", Name: "Orphan",
		PasswordHash: hash, Role: persistence.RoleAgent, TenantID: "01a24e374cf13c57003bffff",
		Active: true, CreatedAt: now, UpdatedAt: now}
	if err := deps.dir.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "orphan@example.com", "Agent@123456"); !errors.Is(err, ErrTenantInactive) {
		t.Fatalf("login: %v, want ErrTenantInactive", err)
	}
}
