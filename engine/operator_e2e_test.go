package engine_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// The operator's way in (switchboard admin): a seed user's published password is replaced —
// the old one stops working, tokens issued with it are refused, and the user no longer
// counts as one `serve` refuses to run with in production — and an email nobody has becomes a platform admin who can log in and
// register users. A password the policy refuses changes nothing.
func TestOperatorPasswords(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	acc := n.Engine.Accounts()
	inUse, err := acc.PublishedPasswordsInUse(t.Context())
	if err != nil || len(inUse) != 3 {
		t.Fatalf("seed users with published passwords: %v %v, want all three", inUse, err)
	}

	const fresh = "N3w-Admin-Pass!"
	stolen := n.Login(adminEmail, adminPassword) // whoever knew the published password
	if created, err := acc.SetOperatorPassword(t.Context(), " Admin@Whatsapp-SaaS.com ", "", fresh); err != nil || created {
		t.Fatalf("new password for the seed admin: created %v, %v", created, err)
	}
	// Their session ends with the password, at once (not at the token's 7-day expiry).
	if r := n.Get("/api/v1/tenants", stolen); r.Status != 401 {
		t.Fatalf("a token issued before the reset: %d %s", r.Status, r.Body)
	}
	if r := n.Post("/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword}); r.Status != 401 {
		t.Fatalf("the published password still works: %d %s", r.Status, r.Body)
	}
	if r := n.Get("/api/v1/tenants", n.Login(adminEmail, fresh)); r.Status != 200 {
		t.Fatalf("a token issued after the reset: %d %s", r.Status, r.Body)
	}
	if inUse, _ = acc.PublishedPasswordsInUse(t.Context()); slices.Contains(inUse, adminEmail) || len(inUse) != 2 {
		t.Fatalf("published passwords in use after the change: %v", inUse)
	}

	if created, err := acc.SetOperatorPassword(t.Context(), "ops@example.com", "Ops", "0ps-Team-Pass!"); err != nil || !created {
		t.Fatalf("first platform admin: created %v, %v", created, err)
	}
	ops := n.Login("ops@example.com", "0ps-Team-Pass!")
	if r := n.Post("/api/v1/auth/register", ops, map[string]string{"email": "second@example.com", "password": "Sec0nd-Pass!", "name": "Second", "role": "platform_admin"}); r.Status != 201 {
		t.Fatalf("the new platform admin registers another: %d %s", r.Status, r.Body)
	}

	var invalid accounts.ValidationError
	if _, err := acc.SetOperatorPassword(t.Context(), agentEmail, "", "short"); !errors.As(err, &invalid) {
		t.Fatalf("a password the policy refuses: %v", err)
	}
	n.Login(agentEmail, agentPassword)
}
