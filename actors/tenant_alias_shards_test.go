package actors

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// storedVersion is the version of a stored snapshot (0: none stored).
func storedVersion(t *testing.T, store persistence.Store, kind, identity string) (uint64, []byte) {
	t.Helper()
	snap, err := store.Snapshots().Load(t.Context(), kind, identity)
	switch {
	case errors.Is(err, persistence.ErrNotFound):
		return 0, nil
	case err != nil:
		t.Fatal(err)
	}
	return snap.Version, snap.Data
}

// plant stores a snapshot as another writer (or an older build) would have.
func plant(t *testing.T, store persistence.Store, kind, identity string, version uint64, data string) {
	t.Helper()
	snap := persistence.Snapshot{Kind: kind, Identity: identity, Version: version, Data: []byte(data), UpdatedAt: time.Now()}
	if err := store.Snapshots().Save(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
}

// resolved asks the tenant for the conversation key of a user known by business-scoped id alone.
func resolved(t *testing.T, r *senderRig, tenant, userID string) string {
	t.Helper()
	key, err := r.client.ResolveContact(t.Context(), tenant, "", userID)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// sameShard is a user id of prefix (a country, "BR.") other than userID in userID's shard.
func sameShard(userID, prefix string) string {
	for i := 0; ; i++ {
		if other := fmt.Sprint(prefix, i); shardOf(other) == shardOf(userID) && other != userID {
			return other
		}
	}
}

// Regression: each new customer's alias saved the whole tenant snapshot (at 100,000 aliases
// 4.3 MB and 34 ms of the tenant actor). Learning one now writes its shard alone: the tenant
// snapshot's version does not move. The alias outlives the activation.
func TestLearningAnAliasWritesOnlyItsShard(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.activeTenant(t)
	const userID = "US.13491208655302741918"
	shard := shardIdentity(tenant, shardOf(userID))
	tenantWas, _ := storedVersion(t, store, KindTenant, tenant)
	if key, err := r.client.ResolveContact(t.Context(), tenant, customer, userID); err != nil || key != customer {
		t.Fatalf("teaching the alias: %q, %v", key, err)
	}
	if v, _ := storedVersion(t, store, KindTenant, tenant); v != tenantWas {
		t.Fatalf("the tenant snapshot moved from version %d to %d for an alias", tenantWas, v)
	}
	v, data := storedVersion(t, store, KindTenantAliases, shard)
	if v != 1 || !bytes.Contains(data, []byte(`"`+userID+`":"`+customer+`"`)) {
		t.Fatalf("shard %s: version %d, %s", shard, v, data)
	}
	before := store.activations(tenant)
	store.stopTenant(t, r, tenant)
	if got := resolved(t, r, tenant, userID); got != customer {
		t.Fatalf("after a new activation %s resolves to %q, want %q", userID, got, customer)
	}
	if n := store.activations(tenant); n != before+1 {
		t.Fatalf("%d activations more, want one: the test tests nothing", n-before)
	}
}

// A tenant snapshot written before the shards carries its aliases: the activation moves them
// into the shards, and then rewrites the tenant snapshot without them. A crash between the
// two leaves both; the next activation merges again and loses nothing. Aliases in the
// snapshot over a shard's were written by an older build after the migration (a rollback, a
// rolling deploy): the snapshot's are the newer, and win (R24: the shard's kept a user whose
// number changed on the number they gave up).
func TestOldTenantSnapshotAliasesMoveIntoShards(t *testing.T) {
	legacy := `{"templates":{},"recent":[],"messagingTier":"TIER_10K",` +
		`"aliases":{"US.1":"5511900000001","US.2":"5511900000002"},"oldAliases":{"US.0":"5511900000000"}}`
	for _, tc := range []struct {
		name   string
		shards map[string]string // user → the alias of their shard, stored before the activation
		want   map[string]string
		// written: the shards the activation writes (by a user of theirs)
		written []string
	}{
		{"old snapshot", nil,
			map[string]string{"US.0": "5511900000000", "US.1": "5511900000001", "US.2": "5511900000002"},
			[]string{"US.0", "US.1", "US.2"}},
		{"an older build's aliases after a migration win", map[string]string{"US.1": "5511999999999"},
			map[string]string{"US.0": "5511900000000", "US.1": "5511900000001", "US.2": "5511900000002"},
			[]string{"US.0", "US.1", "US.2"}},
		{"crash after the shards were saved",
			map[string]string{"US.0": "5511900000000", "US.1": "5511900000001", "US.2": "5511900000002"},
			map[string]string{"US.0": "5511900000000", "US.1": "5511900000001", "US.2": "5511900000002"},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, store := saveRig(t)
			tenant := r.newTenant(t)
			plant(t, store, KindTenant, tenant, 1, legacy)
			for userID, waID := range tc.shards {
				// The current generation: a saved migration puts a user's alias where the
				// snapshot had it, and US.0 was in the old one; either is found.
				plant(t, store, KindTenantAliases, shardIdentity(tenant, shardOf(userID)), 1, fmt.Sprintf(`{"aliases":{%q:%q}}`, userID, waID))
			}
			if _, err := r.client.TenantState(t.Context(), tenant); err != nil { // activates it
				t.Fatal(err)
			}
			v, data := storedVersion(t, store, KindTenant, tenant)
			if v != 2 || bytes.Contains(data, []byte("liases")) || !bytes.Contains(data, []byte("TIER_10K")) {
				t.Fatalf("tenant snapshot after the migration: version %d, %s", v, data)
			}
			for userID := range tc.want {
				wantVersion := uint64(0) // one for the planted shard, one for the activation's write
				if _, planted := tc.shards[userID]; planted {
					wantVersion++
				}
				if slices.Contains(tc.written, userID) {
					wantVersion++
				}
				if v, _ := storedVersion(t, store, KindTenantAliases, shardIdentity(tenant, shardOf(userID))); v != wantVersion {
					t.Errorf("shard of %s at version %d, want %d", userID, v, wantVersion)
				}
			}
			for userID, waID := range tc.want {
				if got := resolved(t, r, tenant, userID); got != waID {
					t.Errorf("%s resolves to %q, want %q", userID, got, waID)
				}
			}
			if n := store.activations(tenant); n != 1 {
				t.Fatalf("%d activations, want one", n)
			}
		})
	}
}

// A shard save is settled like the tenant snapshot's (tenant_save.go): refused, the alias is
// undone and the call fails, so the caller's retry teaches it again rather than being told of
// an alias the store never got; its answer lost after it landed, it is adopted, and the next
// alias of the shard saves over it; fenced by another writer's version of the shard, the
// activation stops and the call goes on to the next one, which loads the other writer's.
func TestFailedAliasShardSaves(t *testing.T) {
	const userID = "BR.1234567890"
	other, elsewhere := sameShard(userID, "BR."), sameShard(userID, "AR.")
	for _, tc := range []struct {
		name       string
		fault      func(store *outageStore, tenant, shard string)
		wantCode   string // the first call's failure ("" none)
		wantStops  bool   // the activation stops (one more after the call)
		wantShard  uint64 // the shard's version after the retry and a second alias of the shard
		wantOthers map[string]string
	}{
		{"refused", func(store *outageStore, _, shard string) { store.refuseWrites(shard, time.Hour) },
			FailureStore, false, 2, nil},
		{"answer lost", func(store *outageStore, _, shard string) { store.loseSaveAnswer(shard) },
			"", false, 2, nil},
		{"another writer", func(store *outageStore, _, shard string) {
			plant(t, store.Store, KindTenantAliases, shard, 1, fmt.Sprintf(`{"aliases":{%q:"5511977777777"}}`, elsewhere))
		}, "", true, 3, map[string]string{elsewhere: "5511977777777"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, store := saveRig(t)
			tenant := r.activeTenant(t)
			ctx := t.Context()
			shard := shardIdentity(tenant, shardOf(userID))
			tenantWas, _ := storedVersion(t, store, KindTenant, tenant)
			before := store.activations(tenant)
			tc.fault(store, tenant, shard)
			_, err := r.client.ResolveContact(ctx, tenant, customer, userID)
			if code := failureCode(err); code != tc.wantCode || (tc.wantCode == "" && err != nil) {
				t.Fatalf("teaching the alias: %v (code %q), want code %q", err, code, tc.wantCode)
			}
			if tc.wantCode != "" {
				if got := resolved(t, r, tenant, userID); got != userID {
					t.Fatalf("the alias whose save failed is still known: %q", got)
				}
				store.refuseWrites(shard, 0)
				if _, err := r.client.ResolveContact(ctx, tenant, customer, userID); err != nil {
					t.Fatalf("the retry: %v", err)
				}
			}
			if _, err := r.client.ResolveContact(ctx, tenant, "5511900000042", other); err != nil {
				t.Fatalf("the next alias of the shard: %v", err)
			}
			if v, _ := storedVersion(t, store, KindTenantAliases, shard); v != tc.wantShard {
				t.Fatalf("shard at version %d, want %d", v, tc.wantShard)
			}
			if v, _ := storedVersion(t, store, KindTenant, tenant); v != tenantWas {
				t.Fatalf("the tenant snapshot moved from version %d to %d", tenantWas, v)
			}
			want := 0
			if tc.wantStops {
				want = 1
			}
			if n := store.activations(tenant) - before; n != want {
				t.Fatalf("%d activations more, want %d", n, want)
			}
			store.stopTenant(t, r, tenant) // what is known comes from the store
			known := map[string]string{userID: customer, other: "5511900000042"}
			for id, waID := range tc.wantOthers {
				known[id] = waID
			}
			for id, waID := range known {
				if got := resolved(t, r, tenant, id); got != waID {
					t.Errorf("%s resolves to %q, want %q", id, got, waID)
				}
			}
		})
	}
}
