package accounts

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
)

// Raising BCRYPT_COST strengthens the hashes of users as they log in (as Django, Laravel
// and Devise do): a successful login with a hash of another cost stores a new one at the
// configured cost. The rehash is not a password change: tokens issued before it stay valid.
// Before, a changed cost applied only to passwords set afterwards.
func TestLoginRehashesAtTheConfiguredCost(t *testing.T) {
	deps := newTestDeps(t) // hashes at bcrypt.MinCost
	ctx := t.Context()
	deps.storeUser(t, "01a24e374de53c57003ba0d1", "admin@example.com", persistence.RolePlatformAdmin, "", "Admin@123456")
	old := deps.service()
	before, err := old.Login(ctx, "admin@example.com", "Admin@123456")
	if err != nil {
		t.Fatal(err)
	}

	stronger, err := auth.NewPasswords(bcrypt.MinCost + 1)
	if err != nil {
		t.Fatal(err)
	}
	s := New(deps.dir, stronger, deps.tokens, deps.vault, ids.NewGenerator())
	if _, err := s.Login(ctx, "admin@example.com", "wrong-password-1"); err == nil {
		t.Fatal("wrong password logged in")
	}
	if got := storedCost(t, deps, "01a24e374de53c57003ba0d1"); got != bcrypt.MinCost {
		t.Fatalf("a failed login rehashed: cost %d", got)
	}
	after, err := s.Login(ctx, "admin@example.com", "Admin@123456")
	if err != nil {
		t.Fatal(err)
	}
	if got := storedCost(t, deps, "01a24e374de53c57003ba0d1"); got != bcrypt.MinCost+1 {
		t.Fatalf("cost after login %d, want %d", got, bcrypt.MinCost+1)
	}
	for name, tok := range map[string]string{"before the rehash": before.Token, "at the rehash": after.Token} {
		if _, err := s.Authenticate(ctx, tok); err != nil {
			t.Errorf("token issued %s refused: %v", name, err)
		}
	}
	if _, err := s.Login(ctx, "admin@example.com", "Admin@123456"); err != nil {
		t.Fatalf("login with the rehashed password: %v", err)
	}

	// A new password still ends the sessions of the old one, rehashed or not.
	if _, err := s.SetOperatorPassword(ctx, "admin@example.com", "", "Changed@123456"); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"before the rehash": before.Token, "at the rehash": after.Token} {
		if _, err := s.Authenticate(ctx, tok); err == nil {
			t.Errorf("token issued %s still valid after a password change", name)
		}
	}
}

// The rehash is conditional on the hash the login read: a password changed between the
// login's read and its rehash (by `switchboard admin`, another node) is not replaced by the
// old password's rehash, and the login's token, issued under the old password, is refused.
func TestRehashDoesNotUndoAConcurrentPasswordChange(t *testing.T) {
	deps := newTestDeps(t)
	ctx := t.Context()
	deps.storeUser(t, "01a24e374de53c57003ba0d2", "admin@example.com", persistence.RolePlatformAdmin, "", "Admin@123456")
	stronger, err := auth.NewPasswords(bcrypt.MinCost + 1)
	if err != nil {
		t.Fatal(err)
	}
	s := New(deps.dir, stronger, deps.tokens, deps.vault, ids.NewGenerator())
	read, err := deps.dir.UserByID(ctx, "01a24e374de53c57003ba0d2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOperatorPassword(ctx, "admin@example.com", "", "Changed@123456"); err != nil {
		t.Fatal(err)
	}
	u := s.rehash(ctx, read, "Admin@123456") // what the login that read `read` does next
	if u.PasswordHash != read.PasswordHash {
		t.Fatal("rehash reported a write over a changed password")
	}
	if _, err := s.Login(ctx, "admin@example.com", "Changed@123456"); err != nil {
		t.Fatalf("the changed password no longer logs in: %v", err)
	}
	if _, err := s.Login(ctx, "admin@example.com", "Admin@123456"); err == nil {
		t.Fatal("the old password logs in again after the rehash")
	}
	tok, _, err := deps.tokens.Issue(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); err == nil {
		t.Fatal("a token issued under the old password is valid")
	}
}

func storedCost(t *testing.T, deps testDeps, id string) int {
	t.Helper()
	u, err := deps.dir.UserByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	c, err := bcrypt.Cost([]byte(u.PasswordHash))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A rehash keeps the user's session tag, role, tenant and state, so the edge's cached view
// of the user stays true and is kept: dropping it (it was) cost every node's next request of
// that user a directory read for nothing.
func TestRehashKeepsTheCachedLiveState(t *testing.T) {
	deps := newTestDeps(t)
	ctx := t.Context()
	const id = "01a24e374de53c57003ba0d3"
	deps.storeUser(t, id, "admin@example.com", persistence.RolePlatformAdmin, "", "Admin@123456")
	stronger, err := auth.NewPasswords(bcrypt.MinCost + 1)
	if err != nil {
		t.Fatal(err)
	}
	s := New(deps.dir, stronger, deps.tokens, deps.vault, ids.NewGenerator())
	u, err := deps.dir.UserByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := deps.tokens.Issue(u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); err != nil { // caches the user's state
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "admin@example.com", "Admin@123456"); err != nil { // rehashes
		t.Fatal(err)
	}
	if got := storedCost(t, deps, id); got != bcrypt.MinCost+1 {
		t.Fatalf("no rehash: cost %d", got)
	}
	e, ok := s.live.get(id, s.now())
	if !ok {
		t.Fatal("the rehash dropped the cached state of the user")
	}
	if err := e.state.check(mustVerify(t, deps, tok)); err != nil {
		t.Fatalf("cached state refuses the token issued before the rehash: %v", err)
	}
}

func mustVerify(t *testing.T, deps testDeps, tok string) auth.Principal {
	t.Helper()
	p, err := deps.tokens.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
