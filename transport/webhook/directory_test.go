package webhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
)

// newTestDirectory is a Directory over an embedded store holding tenants.
func newTestDirectory(t *testing.T, tenants ...persistence.Tenant) (*Directory, persistence.Directory) {
	t.Helper()
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	for _, tn := range tenants {
		if err := store.Directory().CreateTenant(t.Context(), tn); err != nil {
			t.Fatal(err)
		}
	}
	return NewDirectory(store.Directory()), store.Directory()
}

// A WABA id names every tenant (number) of the WABA, not the last one listed; phone number
// ids and display numbers name one.
func TestDirectoryResolvesEveryTenantOfAWABA(t *testing.T) {
	now := time.Now().UTC()
	tenant := func(id, phoneID, display, waba string, active bool) persistence.Tenant {
		return persistence.Tenant{ID: id, Name: id, Active: active, PhoneNumberID: phoneID, DisplayPhoneNumber: display, WABAID: waba,
			CreatedAt: now, UpdatedAt: now}
	}
	d, _ := newTestDirectory(t, tenant("ta", "111", "+1 555 0001", "w1", true), tenant("tb", "222", "+1 555 0002", "w1", false),
		tenant("tc", "333", "+1 555 0003", "w2", true))
	ctx := t.Context()
	ids := func(ts []tenantRef) map[string]bool {
		m := map[string]bool{}
		for _, tr := range ts {
			m[tr.ID] = tr.Active
		}
		return m
	}
	for _, tc := range []struct {
		waba string
		want map[string]bool // id → active
	}{
		{"w1", map[string]bool{"ta": true, "tb": false}},
		{"w2", map[string]bool{"tc": true}},
		{"w3", map[string]bool{}},
	} {
		ts, err := d.resolve(ctx, byWABAID, tc.waba)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(ts); len(got) != len(tc.want) || len(ts) != len(tc.want) {
			t.Fatalf("WABA %s: %v, want %v", tc.waba, got, tc.want)
		} else {
			for id, active := range tc.want {
				if a, ok := got[id]; !ok || a != active {
					t.Fatalf("WABA %s: %v, want %v", tc.waba, got, tc.want)
				}
			}
		}
	}
	if ref, ok, err := d.Resolve(ctx, byPhoneNumberID, "222"); err != nil || !ok || ref.ID != "tb" {
		t.Fatalf("phone number id 222: %+v %v %v", ref, ok, err)
	}
	if ref, ok, err := d.Resolve(ctx, byDisplayNumber, "15550003"); err != nil || !ok || ref.ID != "tc" {
		t.Fatalf("display number 15550003: %+v %v %v", ref, ok, err)
	}
}

// countingDirectory counts the listings a Directory reads.
type countingDirectory struct {
	persistence.Directory
	lists int
}

func (c *countingDirectory) ListTenants(ctx context.Context, p persistence.Page) ([]persistence.Tenant, int, error) {
	c.lists++
	return c.Directory.ListTenants(ctx, p)
}

// The routing copy follows the store within DirectoryMaxAge: a tenant deactivated, or its
// number moved to another tenant, routes anew once the copy is that old, and a younger copy
// answers without reading the store. Before, only a miss reloaded, so while every key kept
// hitting, the old routing stood for ever.
func TestDirectoryCopyFollowsTheStore(t *testing.T) {
	now := time.Now().UTC()
	a := persistence.Tenant{ID: "ta", Name: "A", Active: true, PhoneNumberID: "111", WABAID: "w1", CreatedAt: now, UpdatedAt: now}
	d, store := newTestDirectory(t, a)
	counting := &countingDirectory{Directory: store}
	d.dir = counting
	clock := now
	d.now = func() time.Time { return clock }
	ctx := t.Context()
	resolve := func() tenantRef {
		t.Helper()
		ref, ok, err := d.Resolve(ctx, byPhoneNumberID, "111")
		if err != nil || !ok {
			t.Fatalf("phone number id 111: %v %v", ok, err)
		}
		return ref
	}
	if ref := resolve(); ref.ID != "ta" || !ref.Active {
		t.Fatalf("first resolve %+v", ref)
	}
	a.Active, a.PhoneNumberID = false, "" // tenant A deactivated, its number moved to B
	if err := store.UpdateTenant(ctx, a); err != nil {
		t.Fatal(err)
	}
	b := persistence.Tenant{ID: "tb", Name: "B", Active: true, PhoneNumberID: "111", WABAID: "w2", CreatedAt: now, UpdatedAt: now}
	if err := store.CreateTenant(ctx, b); err != nil {
		t.Fatal(err)
	}
	lists := counting.lists
	clock = clock.Add(DirectoryMaxAge - time.Millisecond)
	if ref := resolve(); ref.ID != "ta" || counting.lists != lists {
		t.Fatalf("a copy younger than %v: %+v after %d store reads", DirectoryMaxAge, ref, counting.lists-lists)
	}
	clock = clock.Add(time.Millisecond)
	if ref := resolve(); ref.ID != "tb" {
		t.Fatalf("a copy %v old still routes 111 to %+v", DirectoryMaxAge, ref)
	}
	if ts, err := d.resolve(ctx, byWABAID, "w1"); err != nil || len(ts) != 1 || ts[0].Active {
		t.Fatalf("WABA w1 after A's deactivation: %+v %v", ts, err)
	}
	if counting.lists != lists+1 {
		t.Fatalf("%d store reads for one stale copy", counting.lists-lists)
	}
}

// downDirectory is a store whose directory cannot be listed; lists counts the attempts.
type downDirectory struct {
	persistence.Directory
	lists int
}

func (c *downDirectory) ListTenants(context.Context, persistence.Page) ([]persistence.Tenant, int, error) {
	c.lists++
	return nil, 0, errors.New("store down")
}

// With the store down, a miss (an unknown number, or any key before the first load) asks it
// at most once per refreshEvery, as triedAt promises, and answers the failure meanwhile (the
// entry is retried, not dead-lettered as for no tenant). Before, the miss path ignored the
// failed try and listed the directory on every webhook.
func TestDownStoreAskedOncePerRefreshOnMisses(t *testing.T) {
	d, store := newTestDirectory(t)
	down := &downDirectory{Directory: store}
	d.dir = down
	clock := time.Now()
	d.now = func() time.Time { return clock }
	for i := 0; i < 10; i++ {
		if _, ok, err := d.Resolve(t.Context(), byPhoneNumberID, "999"); ok || err == nil {
			t.Fatalf("miss %d with the store down: ok %v, err %v", i, ok, err)
		}
		clock = clock.Add(10 * time.Millisecond)
	}
	if down.lists != 1 {
		t.Fatalf("%d directory listings in 100 ms with the store down", down.lists)
	}
	clock = clock.Add(refreshEvery)
	_, _, _ = d.Resolve(t.Context(), byPhoneNumberID, "999")
	if down.lists != 2 {
		t.Fatalf("%d directory listings after refreshEvery, want 2", down.lists)
	}
}
