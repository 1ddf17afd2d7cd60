package actors

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// cancelStallRig is a private sender over a stallStore, with an active tenant and a queued
// message id whose cancel's write lands and then waits for store.release. The message is only
// in the store: the active sender loaded the outbox before it, and rescans it once a minute,
// so it does not send it meanwhile.
func cancelStallRig(t *testing.T) (r *senderRig, store *stallStore, tenant, id string) {
	r, store, tenant, id, _ = cancelStallRigWatched(t)
	return r, store, tenant, id
}

// cancelStallRigWatched is cancelStallRig, its grains watched.
func cancelStallRigWatched(t *testing.T) (r *senderRig, store *stallStore, tenant, id string, w *grainWatch) {
	t.Helper()
	store = &stallStore{Store: openStore(t, t.TempDir()), stalled: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	r, w = privateSenderWatched(t, store, OutboundPolicy{Validity: time.Hour, SendTimeout: 5 * time.Second}, nil)
	tenant = r.activeTenant(t)
	id = "cancel-stall-" + tenant
	if err := store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{outboxRow(tenant, id)}); err != nil {
		t.Fatal(err)
	}
	store.landID = id
	return r, store, tenant, id, w
}

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
	r, store, tenant, id := cancelStallRig(t)
	ctx := t.Context()
	conv := ConversationID(tenant, customer)
	type answer struct {
		res *Canceled
		err error
	}
	first := make(chan answer, 1)
	go func() {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		res, err := r.client.CancelOutbound(cctx, tenant, conv, id, nil)
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
	res, err := r.client.CancelOutbound(ctx, tenant, conv, id, nil)
	if err != nil || res.Message.State != persistence.OutboxCanceled || res.Message.ID != id {
		t.Fatalf("the caller's retry of a cancel that succeeded: %+v, %v; want it answered canceled", res, err)
	}
	if n, _ := r.graph.sends(id); n != 0 {
		t.Fatalf("the canceled message reached Meta %d times", n)
	}
}

// A cancel repeated while the first one's write is still in flight (the client gave up
// waiting on a slow store and asked again) is answered with the first one's outcome, once
// it is decided. It was refused 409 not_cancelable, "the message is being canceled", and the
// first write then landed: the client was told the cancel failed, and it succeeded.
func TestCancelRepeatedWhileItsWriteIsInFlight(t *testing.T) {
	r, store, tenant, id, watch := cancelStallRigWatched(t)
	ctx := t.Context()
	conv := ConversationID(tenant, customer)
	answers := make(chan error, 2)
	cancelIt := func() {
		res, err := r.client.CancelOutbound(ctx, tenant, conv, id, nil)
		if err == nil && res.Message.State != persistence.OutboxCanceled {
			err = fmt.Errorf("answered %s", res.Message.State)
		}
		answers <- err
	}
	go cancelIt()
	store.stall(t, "the cancel was never written")
	go cancelIt()
	// The repeat reached the tenant while the write waits: the first cancel and it.
	watch.awaitHandled(t, KindTenant, tenant, &CancelOutbound{}, 2)
	close(store.release)
	for range 2 {
		if err := <-answers; err != nil {
			t.Fatalf("a cancel and its repeat while the write was in flight: %v; want both canceled", err)
		}
	}
}
