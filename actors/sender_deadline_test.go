package actors

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// slowTenantStore is a real store whose reads of one tenant's snapshot take a while, as a big
// tenant's activation does on a slow store, and whose outbox inserts take insertDelay.
type slowTenantStore struct {
	persistence.Store
	tenant      string
	delay       time.Duration
	insertDelay time.Duration
}

func (s *slowTenantStore) Outbox() persistence.Outbox {
	return slowInserts{Outbox: s.Store.Outbox(), delay: s.insertDelay}
}

type slowInserts struct {
	persistence.Outbox
	delay time.Duration
}

// Enqueue writes after the delay unless ctx ends first, as a slow store answers a writer that
// gives up (the write is not made).
func (o slowInserts) Enqueue(ctx context.Context, msgs []persistence.OutboxMessage) error {
	select {
	case <-time.After(o.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	return o.Outbox.Enqueue(ctx, msgs)
}

func (s *slowTenantStore) Snapshots() persistence.Snapshots {
	return slowTenantSnapshots{Snapshots: s.Store.Snapshots(), s: s}
}

type slowTenantSnapshots struct {
	persistence.Snapshots
	s *slowTenantStore
}

func (o slowTenantSnapshots) Load(ctx context.Context, kind, identity string) (persistence.Snapshot, error) {
	if kind == KindTenant && identity == o.s.tenant {
		time.Sleep(o.s.delay)
	}
	return o.Snapshots.Load(ctx, kind, identity)
}

// Regression: a request that waited in a grain's mailbox past its caller's deadline was still
// applied once the grain got to it. A send queued while its tenant was activating (a big
// tenant on a slow store) was answered 503 at the API's deadline, and sent anyway when the
// activation finished: the client, told it failed, sent it again, and the customer got two.
func TestRequestPastItsCallersDeadlineIsNotApplied(t *testing.T) {
	store := &slowTenantStore{Store: openStore(t, t.TempDir()), delay: time.Second}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	r, watch := privateSenderWatched(t, store, OutboundPolicy{Validity: time.Hour, SendTimeout: 5 * time.Second}, nil)
	store.tenant = r.newTenant(t)
	id := "late-" + store.tenant
	row := outboxRow(store.tenant, id)
	m, _ := OutboundMessage(row.ID, row.Request, row.CreatedAt)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: row, Record: &m}); err == nil {
		t.Fatal("a send waiting for its tenant's activation beyond its deadline was accepted")
	}
	// The activation ends, and the mailbox takes the request that waited in it, then this
	// one: once this is answered, the grain has been handed the send, or never will be.
	if err := r.client.WakeOutbound(t.Context(), store.tenant); err != nil {
		t.Fatal(err)
	}
	if n := watch.handled(KindTenant, store.tenant, &QueueOutbound{}); n != 0 {
		t.Fatalf("the send refused at its deadline was handed to its tenant %d times", n)
	}
	if _, err := store.Outbox().Get(t.Context(), id); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("the send refused at its deadline was stored afterwards (%v)", err)
	}
	if n, _ := r.graph.sends(id); n != 0 {
		t.Fatalf("the send refused at its deadline was sent %d times", n)
	}
}

// Regression: a send's outbox insert ran under the store's own timeout, not its caller's
// deadline. An insert slower than the time the API had left landed after the API had answered
// 503, and the message was sent (at once, when it was claimed at insert; or from its lane).
// The insert now ends with its caller's deadline, and one that did not finish is withdrawn.
func TestSendInsertEndsWithItsCallersDeadline(t *testing.T) {
	for _, tc := range []struct {
		name       string
		busyBefore bool // another send to the customer holds the lane: the insert is written queued
	}{
		{name: "claimed at insert"},
		{name: "written queued", busyBefore: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &slowTenantStore{Store: openStore(t, t.TempDir())}
			t.Cleanup(func() { _ = store.Close(context.Background()) })
			r := privateSender(t, store, OutboundPolicy{Validity: time.Hour, SendTimeout: 5 * time.Second}, nil)
			tenant := r.newTenant(t)
			release := make(chan struct{})
			defer close(release)
			if tc.busyBefore {
				busy := "busy-" + tenant
				r.graph.answer(busy, func(int) (string, error) { <-release; return "wamid.busy", nil })
				row := outboxRow(tenant, busy)
				if _, err := r.client.QueueOutbound(t.Context(), &QueueOutbound{Message: row}); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "the busy send at Meta", func() bool { n, _ := r.graph.sends(busy); return n == 1 })
			}
			store.insertDelay = 600 * time.Millisecond // twice the caller's deadline
			id := "slow-insert-" + tenant
			row := outboxRow(tenant, id)
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: row}); err == nil {
				t.Fatal("a send whose insert outlasted its deadline was accepted")
			}
			// Waited out on purpose: an insert not bound to its caller's deadline would have
			// landed by now, and its message gone to Meta.
			time.Sleep(2 * store.insertDelay)
			if n, _ := r.graph.sends(id); n != 0 {
				t.Fatalf("the send refused at its deadline was sent %d times", n)
			}
			if stored, err := store.Store.Outbox().Get(t.Context(), id); err == nil && !Withdrawn(stored) {
				t.Fatalf("the send refused at its deadline is stored %s", stored.State)
			}
		})
	}
}
