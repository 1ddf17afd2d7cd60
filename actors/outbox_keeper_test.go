package actors

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/test"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// keepRounds runs the outbox keeper's rounds, as the engine does every
// OUTBOX_KEEPER_INTERVAL, until cond holds or 20 s pass.
func keepRounds(t *testing.T, r *senderRig, what string, cond func() bool) {
	t.Helper()
	keepRoundsAt(t, NewOutboxKeeper(r.client, r.store.Outbox(), slog.Default()), time.Now, what, cond)
}

// keepRoundsAt runs keeper's rounds at the times now gives until cond holds or 20 s pass.
func keepRoundsAt(t *testing.T, keeper *OutboxKeeper, now func() time.Time, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		if _, err := keeper.Round(t.Context(), now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Regression: a tenant whose activation failed because the store was down (the engine's wake
// at start, a handover's wake) left its queued messages in the outbox with nobody to send
// them: only the tenant's next call activated it again, and a quiet tenant may make none for
// days. The messages had been answered 202.
func TestKeeperWakesATenantWhoseActivationFailed(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.newTenant(t)
	id := "keeper-activation-" + tenant
	if err := store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{outboxRow(tenant, id)}); err != nil {
		t.Fatal(err)
	}
	store.refuseLoads(tenant, time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	if err := r.client.WakeOutbound(ctx, tenant); err == nil {
		t.Fatal("the tenant was activated through the outage: the test tests nothing")
	}
	store.refuseLoads(tenant, 0) // the store is back
	keepRounds(t, r, "the message sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	if n, _ := r.graph.sends(id); n != 1 {
		t.Fatalf("the message reached Meta %d times, want once", n)
	}
}

// Regression: a tenant that stopped because it could not read the store back after a failed
// save (tenant_save.go) held a message waiting for its retry after Meta's 131000; nothing
// activated the tenant again, so the retry never came. The keeper wakes the tenant once the
// retry's time has come, and not before: a tenant with nothing due stays passive.
func TestKeeperWakesAStoppedTenantWhenItsRetryIsDue(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.activeTenant(t)
	id := "keeper-retry-" + tenant
	const wait = 3 * time.Second
	r.graph.answer(id, func(n int) (string, error) {
		if n == 1 {
			return "", &SendFailure{Class: ClassRetryTransient, Code: 131000, Title: "Something went wrong",
				Backoff: func(int) time.Duration { return wait }}
		}
		return fmt.Sprintf("wamid.%s.%d", id, n), nil
	})
	row := outboxRow(tenant, id)
	if err := store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{row}); err != nil {
		t.Fatal(err)
	}
	if err := r.client.SubmitOutbound(t.Context(), row); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retry scheduled", func() bool { return r.row(t, id).ErrorCode == 131000 })
	retryAt := r.row(t, id).NextAttemptAt

	store.refuseWrites(tenant, time.Hour)
	store.refuseLoads(tenant, time.Hour)
	if _, err := r.client.SyncTemplates(t.Context(), tenant, syncOfB); failureCode(err) != FailureStore {
		t.Fatalf("sync into a store that cannot be written nor read: %v, want %s", err, FailureStore)
	}
	store.refuseWrites(tenant, 0)
	store.refuseLoads(tenant, 0)
	before := store.activations(tenant)
	keepRounds(t, r, "the retry's time", func() bool { return time.Now().After(retryAt) })
	if n := store.activations(tenant); n != before {
		t.Fatalf("the tenant was activated %d times before its retry was due", n-before)
	}
	keepRounds(t, r, "the message sent again", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	if n, _ := r.graph.sends(id); n != 2 {
		t.Fatalf("the message reached Meta %d times, want twice (the refused attempt and the retry)", n)
	}
}

// movableClock is a clock a test moves forward.
type movableClock struct{ ahead atomic.Int64 }

func (c *movableClock) now() time.Time {
	return time.Now().UTC().Add(time.Duration(c.ahead.Load()))
}

// An active tenant that holds nothing does not see a row left sending behind its back (a
// stopped activation's claim that could not be put back): only its next activation parks and
// reconciles it. The keeper's wakes must not keep such an activation alive forever, as they
// would if they counted as use (they reset its receive timeout): once it has not been used for
// the passivation's idle time, a keeper's wake stops it and the next activation takes the row.
// Before that, a wake only resumes its outbox. The same holds for a wake that reaches the
// tenant from another member (a keeper that checked ownership before the topology changed):
// it arrives as an envelope, decoded, not as the keeper's own value.
func TestKeeperWakeDoesNotKeepAnIdleTenantActive(t *testing.T) {
	for _, fromAfar := range []bool{false, true} {
		t.Run(map[bool]string{false: "on its owner", true: "from another member"}[fromAfar], func(t *testing.T) {
			testKeeperWakeDoesNotKeepAnIdleTenantActive(t, fromAfar)
		})
	}
}

func testKeeperWakeDoesNotKeepAnIdleTenantActive(t *testing.T, fromAfar bool) {
	store := &outageStore{Store: openStore(t, t.TempDir()), down: map[string]time.Time{}}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	clock := &movableClock{}
	r := &senderRig{store: store, outage: store, graph: newFakeGraph()}
	start := func(provider pcluster.ClusterProvider) *cluster.Node {
		node, err := cluster.Start(cluster.Options{ClusterName: "keeper", Addr: "127.0.0.1:0", Codec: Codec(), Provider: provider,
			Kinds: Kinds(&Deps{Store: store, Graph: r.graph, Secrets: tenantSecrets{}, Now: clock.now,
				Outbound: OutboundPolicy{ReconcileAfter: time.Hour, Validity: 2 * time.Hour}})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { node.Stop(context.Background()) })
		return node
	}
	var owner, waker *cluster.Node
	if fromAfar {
		agent := test.NewInMemAgent()
		owner, waker = start(test.NewTestProvider(agent)), start(test.NewTestProvider(agent))
		waitFor(t, "the members to see each other", func() bool {
			return owner.Owns(KindTenant, "x") != waker.Owns(KindTenant, "x")
		})
	} else {
		owner = start(nil)
		waker = owner
	}
	r.client = NewClient(owner)
	// A tenant owner owns, as both members see it.
	owned := func(id string) bool {
		return owner.Owns(KindTenant, id) && (!fromAfar || !waker.Owns(KindTenant, id))
	}
	tenant := r.newTenant(t)
	for !owned(tenant) {
		tenant = r.newTenant(t)
	}
	if err := r.client.WakeOutbound(t.Context(), tenant); err != nil {
		t.Fatal(err)
	}
	id := "keeper-idle-" + tenant
	row := outboxRow(tenant, id)
	row.State, row.Attempts = persistence.OutboxSending, 1
	if err := store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{row}); err != nil {
		t.Fatal(err)
	}
	keeper := NewOutboxKeeper(NewClient(waker), store.Outbox(), slog.Default())
	// wake is a keeper round; from another member, the call a round makes (its round wakes
	// only the tenants its member owns).
	wake := func() {
		t.Helper()
		if !fromAfar {
			if n, err := keeper.Round(t.Context(), clock.now()); err != nil || n != 1 {
				t.Fatalf("round: woke %d, %v; want the tenant woken", n, err)
			}
			return
		}
		if _, err := call[Ack](t.Context(), keeper.client, KindTenant, tenant, &WakeOutbound{Due: true}); err != nil {
			t.Fatal(err)
		}
	}
	before := store.activations(tenant)
	wake()
	if n := store.activations(tenant); n != before || r.row(t, id).State != persistence.OutboxSending {
		t.Fatalf("a tenant used just now was activated again (%d) or its row moved (%s)", n-before, r.row(t, id).State)
	}
	clock.ahead.Store(int64(tenantPassivation + time.Minute))
	wake()
	waitFor(t, "the row parked by a new activation", func() bool { return r.row(t, id).State == persistence.OutboxUnknown })
	if n := store.activations(tenant); n != before+1 {
		t.Fatalf("%d activations since, want one", n-before)
	}
}

// loadsOf counts the snapshot loads of identity so far (a grain's activations, failed too).
func (s *outageStore) loadsOf(identity string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loads[identity]
}

// keeperTries counts the outbox keeper's failed wakes of one tenant, from its log: a round
// that tries the tenant and cannot activate it says so; one that leaves it alone says
// nothing. The grain's loads cannot tell: a wake that gives up at its deadline may leave an
// activation spawned just before it, whose load comes after the round returned.
type keeperTries struct {
	tenant string
	n      atomic.Int32
}

func (k *keeperTries) Enabled(context.Context, slog.Level) bool { return true }

func (k *keeperTries) Handle(_ context.Context, rec slog.Record) error {
	if rec.Level != slog.LevelWarn {
		return nil
	}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "tenant" && a.Value.String() == k.tenant {
			k.n.Add(1)
			return false
		}
		return true
	})
	return nil
}

func (k *keeperTries) WithAttrs([]slog.Attr) slog.Handler { return k }
func (k *keeperTries) WithGroup(string) slog.Handler      { return k }

// A tenant that cannot be activated is not tried every round: each failed wake takes the
// whole wake timeout and activates the grain again and again meanwhile, so a tenant whose
// snapshot cannot be read would cost every round that long and hold back the tenants after it.
// The keeper leaves it alone for a minute, then two, …, and wakes it once it can be activated.
func TestKeeperBacksOffATenantThatCannotBeActivated(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.newTenant(t)
	id := "keeper-backoff-" + tenant
	if err := store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{outboxRow(tenant, id)}); err != nil {
		t.Fatal(err)
	}
	store.refuseLoads(tenant, time.Hour)
	tries := &keeperTries{tenant: tenant}
	keeper := NewOutboxKeeper(r.client, store.Outbox(), slog.New(tries))
	keeper.wakeTimeout = 300 * time.Millisecond
	now := time.Now()
	if n, err := keeper.Round(t.Context(), now); err != nil || n != 0 {
		t.Fatalf("round with the tenant's snapshot unreadable: woke %d, %v", n, err)
	}
	if store.loadsOf(tenant) == 0 || tries.n.Load() != 1 {
		t.Fatalf("the keeper never tried the tenant (%d failed wakes): the test tests nothing", tries.n.Load())
	}
	for _, at := range []time.Duration{time.Second, 59 * time.Second} {
		if _, err := keeper.Round(t.Context(), now.Add(at)); err != nil {
			t.Fatal(err)
		}
		if n := tries.n.Load(); n != 1 {
			t.Fatalf("round %s after the failure tried the tenant again (%d failed wakes)", at, n)
		}
	}
	tried := store.loadsOf(tenant)
	if _, err := keeper.Round(t.Context(), now.Add(61*time.Second)); err != nil {
		t.Fatal(err)
	}
	if tries.n.Load() != 2 || store.loadsOf(tenant) == tried {
		t.Fatal("the keeper did not try the tenant again after its backoff")
	}
	if _, err := keeper.Round(t.Context(), now.Add(61*time.Second+119*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := tries.n.Load(); n != 2 {
		t.Fatalf("the second backoff did not double: tried again after %s", 119*time.Second)
	}
	store.refuseLoads(tenant, 0)
	later := now.Add(61*time.Second + 121*time.Second)
	keepRoundsAt(t, keeper, func() time.Time { return later }, "the message sent", func() bool {
		return r.row(t, id).State == persistence.OutboxSent
	})
}
