package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/persistence"
)

const (
	adminEmail, adminPassword = "admin@whatsapp-saas.com", "Admin@123456"
	demoEmail, demoPassword   = "demo@whatsapp-saas.com", "Demo@123456"
	agentEmail, agentPassword = "agent@whatsapp-saas.com", "Agent@123456"
)

type meView struct {
	User struct {
		ID, Email, Role, TenantID string
		Tenant                    *struct {
			ID, Name, PhoneNumberID, WABAID, DisplayPhoneNumber string
			WhatsAppConnected                                   bool `json:"whatsappConnected"`
		}
	}
}

// The "Done when" of the foundation issue: seed, then each seed user logs in and /auth/me
// returns it with its tenant, on both stores.
func TestSeedLoginMe(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b})
			n.Seed()
			for _, tc := range []struct{ email, password, role string }{
				{adminEmail, adminPassword, "platform_admin"},
				{demoEmail, demoPassword, "tenant_admin"},
				{agentEmail, agentPassword, "agent"},
			} {
				tok := n.Login(tc.email, tc.password)
				r := n.Get("/api/v1/auth/me", tok)
				if r.Status != 200 {
					t.Fatalf("me %s: %d %s", tc.email, r.Status, r.Body)
				}
				var me meView
				r.Data(t, &me)
				if me.User.Email != tc.email || me.User.Role != tc.role {
					t.Fatalf("me = %+v", me.User)
				}
				if strings.Contains(string(r.Body), "passwordHash") || strings.Contains(string(r.Body), "$2a$") {
					t.Fatal("password hash leaked")
				}
				if tc.role == "platform_admin" {
					if me.User.Tenant != nil {
						t.Fatalf("platform admin has a tenant: %+v", me.User.Tenant)
					}
					continue
				}
				tn := me.User.Tenant
				if tn == nil || tn.Name != "Demo Business" || tn.PhoneNumberID != "109881335267193" ||
					tn.WABAID != "104996122399160" || tn.DisplayPhoneNumber != "+15550123456" || !tn.WhatsAppConnected {
					t.Fatalf("demo tenant = %+v", tn)
				}
			}
			// The API's description is public, like the health check.
			if r := n.Get("/api/v1/openapi.json", ""); r.Status != 200 || !strings.HasPrefix(r.Header["Content-Type"], "application/json") ||
				!strings.Contains(string(r.Body), `"openapi": "3.1.0"`) {
				t.Fatalf("openapi.json: %d %v", r.Status, r.Header["Content-Type"])
			}
		})
	}
}

func TestSeedTwiceChangesNothing(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b})
			n.Seed()
			before := snapshotDirectory(t, n)
			n.Seed()
			after := snapshotDirectory(t, n)
			if before != after {
				t.Fatalf("second seed changed the directory:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// snapshotDirectory renders every user and tenant, for before/after comparisons.
func snapshotDirectory(t *testing.T, n *enginetest.Node) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := n.Engine.Store().Directory()
	users, total, err := dir.ListUsers(ctx, "", persistence.Page{Page: 1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	tenants, tt, err := dir.ListTenants(ctx, persistence.Page{Page: 1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range users {
		b.WriteString(u.ID + " " + u.Email + " " + string(u.Role) + " " + u.TenantID + " " + u.PasswordHash + "\n")
	}
	for _, tn := range tenants {
		b.WriteString(tn.ID + " " + tn.Name + " " + tn.PhoneNumberID + " " + tn.UpdatedAt.String() + "\n")
	}
	b.WriteString(strings.Repeat("#", total+tt))
	return b.String()
}
