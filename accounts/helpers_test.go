package accounts

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
	"github.com/switchboard/switchboard/vault"
)

// testDeps are a real embedded store and the auth parts a Service is built from, so a test
// can build several services over one store (nodes, or the operator's process).
type testDeps struct {
	store     *embedded.Store
	dir       persistence.Directory
	passwords *auth.Passwords
	tokens    *auth.Tokens
	vault     *vault.Vault
}

func newTestDeps(t *testing.T) testDeps {
	t.Helper()
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	v, err := vault.New("k1", strings.Repeat("5a", 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	passwords, err := auth.NewPasswords(bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return testDeps{
		store: store, dir: store.Directory(), passwords: passwords, vault: v,
		tokens: auth.NewTokens([]byte("accounts-test-jwt-secret-0123456789abcdef"), "switchboard", time.Hour),
	}
}

func (d testDeps) service() *Service {
	return New(d.dir, d.passwords, d.tokens, d.vault, ids.NewGenerator())
}

// storeUser writes a user straight into the store, past Register's rules, as data written
// before them (or by hand) would be.
func (d testDeps) storeUser(t *testing.T, id, email string, role persistence.Role, tenantID, password string) {
	t.Helper()
	hash, err := d.passwords.Hash(t.Context(), password)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	u := persistence.User{ID: id, Email: email, Name: "Stored " + id, PasswordHash: hash,
		Role: role, TenantID: tenantID, Active: true, CreatedAt: now, UpdatedAt: now}
	if err := d.dir.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
}
