package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/cluster/clusterproviders/test"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/persistence"
)

// Regression: the periodic template sync ran on every member of a cluster for every tenant,
// so each member of an N-member cluster spent the WABA's Management API budget (200 calls an
// hour per app and WABA, WHATSAPP.md §3; past it 80007) on the same list, N times a round.
// Staged on two members of one cluster (protoactor's in-memory membership, one MongoDB
// database): one round on each member, run together as their timers would, asks Meta once per
// WABA; after a member leaves, the other's next round syncs every tenant, those it took over
// included. The manual sync (POST /templates/sync) still works from either member.
func TestTemplateSyncRoundRunsOnceAClusterPerTenant(t *testing.T) {
	meta := fakemeta.New(fakemeta.DefaultConfig())
	if err := meta.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = meta.Close() })
	env := metaEnv(meta)
	env["TEMPLATE_SYNC_INTERVAL"] = "0" // rounds run when the test says
	agent := test.NewInMemAgent()
	first := enginetest.Start(t, enginetest.Options{Backend: enginetest.Mongo, Env: env, Membership: test.NewTestProvider(agent)})
	second := enginetest.Start(t, enginetest.Options{Backend: enginetest.Mongo, Database: first.Database, Env: env,
		Membership: test.NewTestProvider(agent)})
	first.Seed()
	// At least four tenants, and some on each member, so the last round takes some over
	// (placement follows the members' addresses, which are free ports).
	var tenants []persistence.Tenant
	owned := make([]int, 2)
	for i := 0; len(tenants) < 4 || owned[0] == 0 || owned[1] == 0; i++ {
		if i == 64 {
			t.Fatalf("64 tenants, %d and %d owned by the members", owned[0], owned[1])
		}
		tenants = append(tenants, addConnectedTenant(t, first, meta, i))
		for m, n := range []*enginetest.Node{first, second} {
			if n.Engine.OwnsTenant(tenants[i].ID) {
				owned[m]++
			}
		}
	}
	if owned[0]+owned[1] != len(tenants) {
		t.Fatalf("%d tenants, %d and %d owned by the members: the members do not see each other", len(tenants), owned[0], owned[1])
	}

	rounds := make([]int, 2)
	var wg sync.WaitGroup
	for i, n := range []*enginetest.Node{first, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rounds[i] = n.Engine.SyncAllTemplates(nil)
		}()
	}
	wg.Wait()
	if rounds[0] != owned[0] || rounds[1] != owned[1] {
		t.Errorf("one round on each member synced %d and %d tenants, want those each owns: %d and %d", rounds[0], rounds[1], owned[0], owned[1])
	}
	t.Logf("one round on each member: %d and %d tenants synced", rounds[0], rounds[1])
	wantListCalls(t, meta, tenants, 1, "after one round on each member")

	admin := first.Login(adminEmail, adminPassword)
	for _, n := range []*enginetest.Node{first, second} {
		for _, tn := range tenants {
			if res := n.Post("/api/v1/templates/sync?tenantId="+tn.ID, admin, nil); res.Status != 200 {
				t.Fatalf("a manual sync of %s through %s: %d %s", tn.ID, n.Engine.Addr(), res.Status, res.Body)
			}
		}
	}
	wantListCalls(t, meta, tenants, 3, "after a manual sync through each member")

	second.Stop()
	if n := first.Engine.SyncAllTemplates(nil); n != len(tenants) {
		t.Errorf("the remaining member's round synced %d tenants, want all %d", n, len(tenants))
	}
	wantListCalls(t, meta, tenants, 4, "after the remaining member's round")
}

// addConnectedTenants creates n tenants, each with its own WABA, number and token, also at
// meta unless it is nil.
func addConnectedTenants(t *testing.T, node *enginetest.Node, meta *fakemeta.Server, n int) []persistence.Tenant {
	t.Helper()
	var out []persistence.Tenant
	for i := range n {
		out = append(out, addConnectedTenant(t, node, meta, i))
	}
	return out
}

// addConnectedTenant creates tenant i of addConnectedTenants.
func addConnectedTenant(t *testing.T, node *enginetest.Node, meta *fakemeta.Server, i int) persistence.Tenant {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Now().UTC()
	tn := persistence.Tenant{ID: fmt.Sprintf("c0ffee%018d", i), Name: fmt.Sprint("Tenant ", i), Active: true,
		WABAID: fmt.Sprint(318230547702200 + i), PhoneNumberID: fmt.Sprint(419876543210900 + i),
		DisplayPhoneNumber: fmt.Sprintf("+1555010%04d", i), CreatedAt: now, UpdatedAt: now}
	if err := node.Engine.Store().Directory().CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	token := fmt.Sprint("EAA-cluster-", i)
	setToken(t, node, tn.ID, token)
	if meta != nil {
		meta.AddNumber(tn.PhoneNumberID, tn.WABAID, fmt.Sprintf("1555010%04d", i), token)
	}
	return tn
}

// wantListCalls checks that Meta was asked for each tenant's template list want times.
func wantListCalls(t *testing.T, meta *fakemeta.Server, tenants []persistence.Tenant, want int64, when string) {
	t.Helper()
	for _, tn := range tenants {
		if got := meta.TemplateListCalls(tn.WABAID); got != want {
			t.Errorf("%s: Meta was asked for WABA %s's templates %d times, want %d", when, tn.WABAID, got, want)
		}
	}
}
