package auth

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

func TestPolicy(t *testing.T) {
	platform := Principal{UserID: "p", Role: persistence.RolePlatformAdmin}
	admin := Principal{UserID: "a", Role: persistence.RoleTenantAdmin, TenantID: "t1"}
	agent := Principal{UserID: "g", Role: persistence.RoleAgent, TenantID: "t1"}

	cases := []struct {
		name   string
		who    Principal
		role   persistence.Role
		tenant string
		want   error
	}{
		{"platform creates platform admin", platform, persistence.RolePlatformAdmin, "", nil},
		{"platform creates agent anywhere", platform, persistence.RoleAgent, "t2", nil},
		{"tenant admin creates own agent", admin, persistence.RoleAgent, "t1", nil},
		{"tenant admin escalates to platform admin", admin, persistence.RolePlatformAdmin, "t1", ErrForbidden},
		{"tenant admin creates tenant admin", admin, persistence.RoleTenantAdmin, "t1", ErrForbidden},
		{"tenant admin into another tenant", admin, persistence.RoleAgent, "t2", ErrNotVisible},
		{"agent creates agent", agent, persistence.RoleAgent, "t1", ErrForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.who.CanRegister(tc.role, tc.tenant); !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
		})
	}

	if s, err := agent.TenantScope(""); err != nil || s != "t1" {
		t.Fatalf("agent scope %q %v", s, err)
	}
	if _, err := agent.TenantScope("t2"); !errors.Is(err, ErrNotVisible) {
		t.Fatalf("agent other tenant: %v", err)
	}
	if s, _ := platform.TenantScope("t9"); s != "t9" {
		t.Fatalf("platform scope %q", s)
	}
	if agent.CanSeeTenant("t2") || !agent.CanSeeTenant("t1") || !platform.CanSeeTenant("t2") || agent.CanSeeTenant("") {
		t.Fatal("CanSeeTenant")
	}
	if agent.CanManageTenant("t1") || !admin.CanManageTenant("t1") || admin.CanManageTenant("t2") {
		t.Fatal("CanManageTenant")
	}
}
