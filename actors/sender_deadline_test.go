package actors

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// slowTenantStore is a real store whose reads of one tenant's snapshot take a while, as a big
// tenant's activation does on a slow store.
type slowTenantStore struct {
	persistence.Store
	tenant string
	delay  time.Duration
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
	r := privateSender(t, store, OutboundPolicy{Validity: time.Hour, SendTimeout: 5 * time.Second}, nil)
	store.tenant = r.newTenant(t)
	id := "late-" + store.tenant
	row := outboxRow(store.tenant, id)
	m, _ := OutboundMessage(row.ID, row.Request, row.CreatedAt)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: row, Record: &m}); err == nil {
		t.Fatal("a send waiting for its tenant's activation beyond its deadline was accepted")
	}
	time.Sleep(2 * store.delay) // the activation ends; the request waited in its mailbox
	if _, err := store.Outbox().Get(t.Context(), id); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("the send refused at its deadline was stored afterwards (%v)", err)
	}
	if n, _ := r.graph.sends(id); n != 0 {
		t.Fatalf("the send refused at its deadline was sent %d times", n)
	}
}
