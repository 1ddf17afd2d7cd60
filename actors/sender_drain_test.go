package actors

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// privateSender starts a node of the test's own with a Graph, over store (closed by the
// caller), for tests that need a policy or a drain of their own (the shared rig has neither).
func privateSender(t *testing.T, store persistence.Store, pol OutboundPolicy, drain *Drain) *senderRig {
	t.Helper()
	r, _ := privateSenderWatched(t, store, pol, drain)
	return r
}

// privateSenderWatched is privateSender, its grains watched.
func privateSenderWatched(t *testing.T, store persistence.Store, pol OutboundPolicy, drain *Drain) (*senderRig, *grainWatch) {
	t.Helper()
	r, w := &senderRig{store: store, graph: newFakeGraph()}, &grainWatch{}
	if o, ok := store.(*outageStore); ok {
		r.outage = o
	}
	node, err := cluster.Start(cluster.Options{ClusterName: "private-sender", Addr: "127.0.0.1:0", Codec: Codec(),
		Kinds: w.watch(Kinds(&Deps{Store: store, Graph: r.graph, Secrets: tenantSecrets{}, Drain: drain, Outbound: pol}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Stop(context.Background()) })
	r.client = NewClient(node)
	return r, w
}

// stallStore is a real store whose outbox read of one row (stallID), or answer to a write
// of one row (landID: the write lands first), waits until released (a slow store), and whose
// snapshot saves and loads fail while failSaves is set (a store that is down: a tenant whose
// save failed cannot read back what the store holds, and stops).
type stallStore struct {
	persistence.Store
	stallID   string
	landID    string
	stalled   chan struct{} // closed when the read of stallID began
	release   chan struct{}
	once      sync.Once
	failSaves atomic.Bool
}

func (s *stallStore) Outbox() persistence.Outbox { return stallOutbox{Outbox: s.Store.Outbox(), s: s} }

func (s *stallStore) Snapshots() persistence.Snapshots {
	return stallSnapshots{Snapshots: s.Store.Snapshots(), s: s}
}

// stall waits until the stalled read or write began; what names it for the failure.
func (s *stallStore) stall(t *testing.T, what string) {
	t.Helper()
	select {
	case <-s.stalled:
	case <-time.After(10 * time.Second):
		t.Fatal(what)
	}
}

// stopTenant stops tenant's activation as a store that is down does: its snapshot save is
// refused, and what the store holds cannot be read back (tenant_save.go). The store takes
// saves again afterwards.
func (s *stallStore) stopTenant(t *testing.T, r *senderRig, tenant string) {
	t.Helper()
	s.failSaves.Store(true)
	defer s.failSaves.Store(false)
	if err := r.client.RecordTenantEvents(t.Context(), tenant, nil); err == nil {
		t.Fatal("the tenant saved its snapshot into a store that refuses it")
	}
}

type stallOutbox struct {
	persistence.Outbox
	s *stallStore
}

func (o stallOutbox) Get(ctx context.Context, id string) (persistence.OutboxMessage, error) {
	if id == o.s.stallID {
		o.s.once.Do(func() { close(o.s.stalled) })
		<-o.s.release
	}
	return o.Outbox.Get(ctx, id)
}

func (o stallOutbox) Transition(ctx context.Context, from persistence.OutboxState, m persistence.OutboxMessage) error {
	err := o.Outbox.Transition(ctx, from, m)
	if m.ID == o.s.landID {
		o.s.once.Do(func() { close(o.s.stalled) })
		<-o.s.release
	}
	return err
}

type stallSnapshots struct {
	persistence.Snapshots
	s *stallStore
}

func (o stallSnapshots) Save(ctx context.Context, snap persistence.Snapshot) error {
	if o.s.failSaves.Load() {
		return fmt.Errorf("snapshots unreachable (the test's outage): %w", persistence.ErrUnavailable)
	}
	return o.Snapshots.Save(ctx, snap)
}

func (o stallSnapshots) Load(ctx context.Context, kind, identity string) (persistence.Snapshot, error) {
	if o.s.failSaves.Load() {
		return persistence.Snapshot{}, fmt.Errorf("snapshots unreachable (the test's outage): %w", persistence.ErrUnavailable)
	}
	return o.Snapshots.Load(ctx, kind, identity)
}

// Regression: a resend decision holds Deps.Drain until its result comes back to the tenant,
// but a tenant that stopped meanwhile (here: a snapshot save the store refused, in a store
// it could not read back from either) never got that result, and stop released only its
// sends' holds. The hold was never released, so the node's next graceful stop waited out its
// whole deadline for a decision long gone.
func TestStoppedTenantReleasesItsResendDecisionsDrainHold(t *testing.T) {
	store := &stallStore{Store: openStore(t, t.TempDir()), stalled: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	drain := &Drain{}
	r := privateSender(t, store, OutboundPolicy{Validity: time.Hour, SendTimeout: 5 * time.Second}, drain)
	ctx := t.Context()

	tenant := r.newTenant(t)
	if err := r.client.WakeOutbound(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	id := "drain-resend-" + tenant
	store.stallID = id
	r.storedAs(t, tenant, id, persistence.OutboxSent, "wamid.first")
	r.failedStatus(t, tenant, id, "wamid.first", 131000, true) // the decision reads the row: stalled
	store.stall(t, "no resend decision started")
	store.stopTenant(t, r, tenant)
	close(store.release) // the decision ends after its tenant stopped

	closeCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := drain.Close(closeCtx); err != nil {
		t.Fatalf("drain after the tenant stopped: %v", err)
	}
}
