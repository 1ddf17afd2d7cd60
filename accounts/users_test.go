package accounts

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/persistence"
)

// Registration refuses emails no mail reaches and names that hide characters: an invisible
// character made a second "demo@whatsapp-saas.com" that looks like the first in every list,
// "a@b" has no domain to deliver to, and a NUL or a right-to-left override in a name hides or
// reverses text wherever the name is shown. Refused with a 400 naming the field; nothing
// stored. (The Node.js platform's Zod schemas refused such emails too.)
func TestRegisterRefusesLookalikeAndUndeliverableInput(t *testing.T) {
	deps := newTestDeps(t)
	s := deps.service()
	ctx := t.Context()
	platform := auth.Principal{UserID: "p", Role: persistence.RolePlatformAdmin}
	cases := []struct {
		name, email, userName, field string
	}{
		{"zero-width space in the domain", "demo@whatsapp-saas.com\u200b", "Demo", "email"},
		{"zero-width joiner in the local part", "de\u200dmo@whatsapp-saas.com", "Demo", "email"},
		{"cyrillic a in the domain", "demo@whаtsapp-saas.com", "Demo", "email"},
		{"no dot in the domain", "a@b", "Demo", "email"},
		{"domain literal", "a@[127.0.0.1]", "Demo", "email"},
		{"label starting with a hyphen", "a@-x.com", "Demo", "email"},
		{"numeric top-level label", "a@example.123", "Demo", "email"},
		{"empty label", "a@example..com", "Demo", "email"},
		{"NUL in the name", "n1@example.com", "Ana\x00", "name"},
		{"newline in the name", "n2@example.com", "Ana\nAdmin", "name"},
		{"right-to-left override in the name", "n3@example.com", "Ana\u202egnp.exe", "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Register(ctx, platform, RegisterInput{Email: tc.email, Password: "Passw0rd!", Name: tc.userName,
				Role: persistence.RolePlatformAdmin})
			var v ValidationError
			if !errors.As(err, &v) || len(v) != 1 || v[0].Field != tc.field {
				t.Fatalf("want a validation error on %s, got %v", tc.field, err)
			}
			if _, err := s.CreateTenant(ctx, platform, tc.userName); tc.field == "name" && !errors.As(err, &v) {
				t.Fatalf("tenant named %q: %v, want a validation error", tc.userName, err)
			}
		})
	}
	users, _, err := deps.dir.ListUsers(ctx, "", persistence.Page{Page: 1, Limit: 100})
	if err != nil || len(users) != 0 {
		t.Fatalf("stored users: %v %v", users, err)
	}
	// What stays valid: plus addressing, subdomains, hyphens, digits, an IDN in its ASCII form,
	// and names in any script, with a zero-width non-joiner as Persian writes it.
	for i, in := range []RegisterInput{
		{Email: "ana+inbox@mail.example-shop.co.uk", Name: "Ana"},
		{Email: "o'brien_2@xn--bcher-kva.example", Name: "Seán Ó Briain"},
		{Email: "mi@example.com", Name: "می\u200cخواهم"},
		{Email: "zh@example.com", Name: "张伟 👩‍💻"},
	} {
		in.Password, in.Role = "Passw0rd!", persistence.RolePlatformAdmin
		if _, err := s.Register(ctx, platform, in); err != nil {
			t.Fatalf("%d %+v: %v", i, in, err)
		}
	}
}

// A user registered before the email rules tightened keeps its address: the operator can
// still give it a new password (switchboard admin), and it still logs in.
func TestOperatorPasswordForAnAddressRegisteredBeforeTheRules(t *testing.T) {
	deps := newTestDeps(t)
	s := deps.service()
	ctx := t.Context()
	deps.storeUser(t, "01a24e374de53c57003ba0d8", "ops@localhost", persistence.RolePlatformAdmin, "", "0ld-Ops-Pass!")
	if created, err := s.SetOperatorPassword(ctx, "ops@localhost", "", "N3w-Ops-Pass!"); err != nil || created {
		t.Fatalf("new password: created %v, %v", created, err)
	}
	if _, err := s.Login(ctx, "ops@localhost", "N3w-Ops-Pass!"); err != nil {
		t.Fatalf("login: %v", err)
	}
	var v ValidationError
	if _, err := s.SetOperatorPassword(ctx, "ops@localhost", "", "short"); !errors.As(err, &v) || v[0].Field != "password" {
		t.Fatalf("a password the policy refuses: %v", err)
	}
}
