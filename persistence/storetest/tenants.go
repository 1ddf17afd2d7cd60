package storetest

import (
	"slices"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// wantOwner fails unless phoneNumberID resolves to the tenant want ("" = to none).
func wantOwner(t *testing.T, d persistence.Directory, phoneNumberID, want string) {
	t.Helper()
	got, err := d.TenantByPhoneNumberID(t.Context(), phoneNumberID)
	if want == "" {
		wantErr(t, err, persistence.ErrNotFound, "phone %s should resolve to no tenant (got %q)", phoneNumberID, got.ID)
		return
	}
	must(t, err, "tenant by phone %s", phoneNumberID)
	if got.ID != want || got.PhoneNumberID != phoneNumberID {
		t.Fatalf("phone %s resolves to tenant %q holding %q, want %q", phoneNumberID, got.ID, got.PhoneNumberID, want)
	}
}

var tenantContracts = []contract{
	{"tenants/create and read by id and phone number id", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		tn := newTenant("t1", "pn-1", 1)
		must(t, d.CreateTenant(ctx, tn), "create")
		got, err := d.TenantByID(ctx, "t1")
		must(t, err, "by id")
		wantEqual(t, got, tn, "by id")
		wantUTC(t, got.UpdatedAt, "updatedAt")
		got, err = d.TenantByPhoneNumberID(ctx, "pn-1")
		must(t, err, "by phone")
		wantEqual(t, got, tn, "by phone")

		// Tenants that have not connected a number yet do not collide on the empty id.
		for _, id := range []string{"t2", "t3"} {
			must(t, d.CreateTenant(ctx, newTenant(id, "", 2)), "create %s without phone", id)
		}
		wantOwner(t, d, "", "")
	}},
	{"tenants/not found", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		_, err := d.TenantByID(ctx, "nope")
		wantErr(t, err, persistence.ErrNotFound, "by id")
		_, err = d.TenantByPhoneNumberID(ctx, "pn-nope")
		wantErr(t, err, persistence.ErrNotFound, "by phone")
		wantErr(t, d.UpdateTenant(ctx, newTenant("nope", "pn-9", 1)), persistence.ErrNotFound, "update")
		wantOwner(t, d, "pn-9", "") // a failed update claims nothing
	}},
	{"tenants/create conflicts", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		first := newTenant("t1", "pn-1", 1)
		must(t, d.CreateTenant(ctx, first), "create")
		wantErr(t, d.CreateTenant(ctx, newTenant("t1", "pn-2", 2)), persistence.ErrConflict, "same id")
		wantErr(t, d.CreateTenant(ctx, newTenant("t2", "pn-1", 3)), persistence.ErrConflict, "phone of t1")

		got, err := d.TenantByID(ctx, "t1")
		must(t, err, "t1 after conflicts")
		wantEqual(t, got, first, "t1 unchanged")
		_, err = d.TenantByID(ctx, "t2")
		wantErr(t, err, persistence.ErrNotFound, "t2 stored despite conflict")
		wantOwner(t, d, "pn-1", "t1")
		wantOwner(t, d, "pn-2", "") // the same-id conflict must not leave its number claimed
		must(t, d.CreateTenant(ctx, newTenant("t3", "pn-2", 4)), "pn-2 is free")
	}},
	{"tenants/update moves the phone number", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		must(t, d.CreateTenant(ctx, newTenant("t1", "pn-1", 1)), "create t1")
		must(t, d.CreateTenant(ctx, newTenant("t2", "pn-2", 2)), "create t2")

		renamed := newTenant("t1", "pn-1", 1)
		renamed.Name, renamed.NeedsReauth, renamed.UpdatedAt = "Renamed", true, at(10)
		must(t, d.UpdateTenant(ctx, renamed), "rename")
		got, err := d.TenantByID(ctx, "t1")
		must(t, err, "after rename")
		wantEqual(t, got, renamed, "after rename")
		wantOwner(t, d, "pn-1", "t1")

		moved := renamed
		moved.PhoneNumberID, moved.UpdatedAt = "pn-3", at(11)
		must(t, d.UpdateTenant(ctx, moved), "move to pn-3")
		wantOwner(t, d, "pn-3", "t1")
		wantOwner(t, d, "pn-1", "")

		stolen := moved
		stolen.PhoneNumberID, stolen.Name = "pn-2", "Thief"
		wantErr(t, d.UpdateTenant(ctx, stolen), persistence.ErrConflict, "take t2's number")
		got, err = d.TenantByID(ctx, "t1")
		must(t, err, "after conflict")
		wantEqual(t, got, moved, "t1 unchanged by conflicting update")
		wantOwner(t, d, "pn-2", "t2")
		wantOwner(t, d, "pn-3", "t1")

		disconnected := moved
		disconnected.PhoneNumberID = ""
		must(t, d.UpdateTenant(ctx, disconnected), "disconnect")
		wantOwner(t, d, "pn-3", "")
		must(t, d.CreateTenant(ctx, newTenant("t4", "pn-3", 4)), "released number is free")
		must(t, d.CreateTenant(ctx, newTenant("t5", "pn-1", 5)), "number moved away from is free")
		wantOwner(t, d, "pn-3", "t4")
		wantOwner(t, d, "pn-1", "t5")
	}},
	{"tenants/needs-reauth flag only for the token Meta rejected", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		tn := newTenant("t1", "pn-1", 1)
		must(t, d.CreateTenant(ctx, tn), "create t1")
		oldToken := tn.AccessToken

		// A signup stored a new token; Meta's 190 for the old one comes late.
		renewed := tn
		renewed.AccessToken = persistence.SealedSecret{KeyID: "k1", Nonce: []byte{4, 5, 6}, Ciphertext: []byte("sealed-new")}
		renewed.UpdatedAt = at(2)
		must(t, d.UpdateTenant(ctx, renewed), "store the new token")
		applied, err := d.MarkNeedsReauth(ctx, "t1", true, &oldToken, at(3))
		must(t, err, "flag the old token")
		if applied {
			t.Fatal("a 190 for the replaced token flagged the tenant")
		}
		got, err := d.TenantByID(ctx, "t1")
		must(t, err, "after the late 190")
		wantEqual(t, got, renewed, "tenant unchanged by the late 190")

		// The current token rejected: flagged, nothing else written.
		current := renewed.AccessToken
		applied, err = d.MarkNeedsReauth(ctx, "t1", true, &current, at(4))
		must(t, err, "flag the current token")
		flagged := renewed
		flagged.NeedsReauth, flagged.UpdatedAt = true, at(4)
		got, err = d.TenantByID(ctx, "t1")
		must(t, err, "after the 190")
		if !applied {
			t.Fatal("a 190 for the current token was not applied")
		}
		wantEqual(t, got, flagged, "flagged")

		// Cleared whatever the token (the app reinstalled, a signup).
		applied, err = d.MarkNeedsReauth(ctx, "t1", false, nil, at(5))
		must(t, err, "clear")
		got, err = d.TenantByID(ctx, "t1")
		must(t, err, "after clearing")
		cleared := renewed
		cleared.UpdatedAt = at(5)
		if !applied {
			t.Fatal("clearing was not applied")
		}
		wantEqual(t, got, cleared, "cleared")

		_, err = d.MarkNeedsReauth(ctx, "nope", true, nil, at(6))
		wantErr(t, err, persistence.ErrNotFound, "unknown tenant")
		_, err = d.MarkNeedsReauth(ctx, "nope", true, &current, at(6))
		wantErr(t, err, persistence.ErrNotFound, "unknown tenant, with a token")
	}},
	{"tenants/list pages and totals", func(t *testing.T, s persistence.Store) {
		d, ctx := s.Directory(), t.Context()
		for _, n := range []int{3, 1, 4, 0, 2} {
			tn := newTenant(string(rune('a'+n)), "", n)
			must(t, d.CreateTenant(ctx, tn), "create %s", tn.ID)
		}
		cases := []struct {
			page persistence.Page
			want []string
		}{
			{persistence.Page{Page: 1, Limit: 10}, []string{"a", "b", "c", "d", "e"}},
			{persistence.Page{Page: 1, Limit: 2}, []string{"a", "b"}},
			{persistence.Page{Page: 2, Limit: 2}, []string{"c", "d"}},
			{persistence.Page{Page: 3, Limit: 2}, []string{"e"}},
			{persistence.Page{Page: 9, Limit: 2}, nil},
		}
		for _, c := range cases {
			got, total, err := d.ListTenants(ctx, c.page)
			must(t, err, "list %+v", c.page)
			gotIDs := ids(got, func(t persistence.Tenant) string { return t.ID })
			if !slices.Equal(gotIDs, c.want) || total != 5 {
				t.Fatalf("list %+v: got %v (total %d), want %v (total 5)", c.page, gotIDs, total, c.want)
			}
		}
	}},
}
