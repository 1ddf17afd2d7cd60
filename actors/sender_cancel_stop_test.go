package actors

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Regression: a cancel whose write was in flight when its tenant stopped (here a snapshot
// save the store refused, in a store it could not read back from) got no answer from it: the
// write's outcome came back to a stopped grain, which dropped it. The call was tried again
// (at once by the cluster call here, as the activation died; a remote caller at its
// deadline, then the client), reached the next activation, which found the row canceled and
// refused it 409 not_cancelable, "the message is canceled": the client was told its cancel
// failed although it had succeeded. A cancel of a message canceled already now succeeds, as
// Twilio's and Stripe's do, and the write answers its caller itself when its activation has
// stopped.
func TestCancelInFlightWhenTheTenantStopsIsAnswered(t *testing.T) {
	store := &stallStore{Store: openStore(t, t.TempDir()), stalled: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	r := privateSender(t, store, OutboundPolicy{Validity: time.Hour, SendTimeout: 5 * time.Second}, nil)
	ctx := t.Context()
	tenant := r.activeTenant(t)
	conv := ConversationID(tenant, customer)
	id := "cancel-stopped-" + tenant
	// Only in the store: the active sender loaded the outbox before it, and rescans it once a
	// minute, so it does not send it meanwhile.
	if err := store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{outboxRow(tenant, id)}); err != nil {
		t.Fatal(err)
	}
	store.landID = id // the cancel's write lands, and its answer waits
	type answer struct {
		res *Canceled
		err error
	}
	first := make(chan answer, 1)
	go func() {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		res, err := r.client.CancelOutbound(cctx, tenant, conv, id)
		first <- answer{res, err}
	}()
	store.stall(t, "the cancel was never written")
	store.stopTenant(t, r, tenant)
	close(store.release) // the cancel's write is answered after its tenant stopped

	a := <-first
	if a.err != nil || a.res.Message.State != persistence.OutboxCanceled {
		t.Fatalf("the cancel whose tenant stopped under it: %+v, %v; want it answered canceled", a.res, a.err)
	}
	if got := r.row(t, id).State; got != persistence.OutboxCanceled {
		t.Fatalf("stored %s, want canceled", got)
	}
	res, err := r.client.CancelOutbound(ctx, tenant, conv, id)
	if err != nil || res.Message.State != persistence.OutboxCanceled || res.Message.ID != id {
		t.Fatalf("the caller's retry of a cancel that succeeded: %+v, %v; want it answered canceled", res, err)
	}
	if n, _ := r.graph.sends(id); n != 0 {
		t.Fatalf("the canceled message reached Meta %d times", n)
	}
}
