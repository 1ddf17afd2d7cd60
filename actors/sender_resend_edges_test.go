package actors

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Meta fails an attempt with its own trouble (131000) while the request is still on its way
// back (the status beat the send's answer), so the sender knows of the failure before it
// writes the attempt's outcome; the process then dies right after that write. The outcome is
// written retryable at once, in that one write, so the next process's activation decides the
// resend: the message goes once more, or not at all when Meta delivered the attempt as well.
// Before, the outcome was written sent and the failure marked by a second write right after
// it: a crash between the two left the row sent, and nobody sent the message again.
func TestFailureKnownBeforeTheOutcomeSurvivesACrashAfterIt(t *testing.T) {
	forEachRedecided(t, func(t *testing.T, tc redecidedCase, store *outageStore, r *senderRig, stop func()) {
		_, id, answer := r.failedOnItsWay(t, "known-before-outcome-", tc.delivered)
		store.refuseWrites("crash:"+id, time.Hour)
		answer.release()
		waitFor(t, "the outcome written", func() bool { return r.row(t, id).State != persistence.OutboxSending })
		stop()
		// The next process, on the same store: the dead one's writes stay refused.
		next, _ := stoppableSender(t, &outageStore{Store: store.Store, down: map[string]time.Time{}})
		if !tc.delivered {
			next.keeperWakesOne(t, "a resend to decide")
		}
		next.wantResendDecided(t, id, tc.sends)
	})
}

// Meta fails an attempt with its own trouble (131000) while the request is on its way, and the
// tenant's activation stops meanwhile (its snapshot save refused by a store it cannot read
// back either, tenant_save.go). Meta then accepts the request: the attempt's goroutine hands
// the message to the next activation itself (sender_handover.go), with the failure it was
// told of, so the next activation decides the resend: the message goes once more, or not at
// all when Meta delivered the attempt as well. Before, the hand-over carried the wamid alone,
// plain evidence, which settled the row sent at once, and the message Meta asked us to retry
// was never sent again.
func TestFailureDuringAStoppedAttemptIsHandedOver(t *testing.T) {
	forEachRedecided(t, func(t *testing.T, tc redecidedCase, store *outageStore, r *senderRig, _ func()) {
		tenant, id, answer := r.failedOnItsWay(t, "handed-over-failure-", tc.delivered)
		store.stopTenant(t, r, tenant)
		// The stopped activation halts its attempts right after it answered the call that
		// stopped it: an answer from Meta before that would be dropped with the activation
		// (its row left to the keeper and reconciliation). A call that reaches the next
		// activation comes after.
		if err := r.client.WakeOutbound(t.Context(), tenant); err != nil {
			t.Fatal(err)
		}
		answer.release()
		r.wantResendDecidedAfter(t, id, 1, tc.sends) // the first attempt, from this node too
	})
}

// failedOnItsWay sends a message of a new tenant (its id prefix and the tenant's), whose
// first attempt Meta fails with its own trouble (131000), and reports delivered as well when
// delivered, while the request is still on its way: Meta's answer (wamid.first) waits for
// the returned release.
func (r *senderRig) failedOnItsWay(t *testing.T, prefix string, delivered bool) (tenant, id string, answer *heldAnswer) {
	t.Helper()
	tenant = r.newTenant(t)
	id = prefix + tenant
	answer = r.answerWhenReleased(id)
	r.record(t, tenant, id, true)
	answer.leaving(t)
	r.failedStatus(t, tenant, id, "wamid.first", 131000, true)
	if delivered {
		r.status(t, tenant, id, "wamid.first", StatusDelivered)
	}
	r.caughtUp(t, tenant) // the conversation's word of the failure reached the sender
	return tenant, id, answer
}

// heldAnswer is Meta's answer to a message's first attempt, held until the test releases it:
// the request is on its way meanwhile.
type heldAnswer struct {
	left, free chan struct{}
}

// answerWhenReleased holds the answer to message id's first attempt (wamid.first) until
// release; later attempts are answered at once.
func (r *senderRig) answerWhenReleased(id string) *heldAnswer {
	h := &heldAnswer{left: make(chan struct{}), free: make(chan struct{})}
	r.graph.answer(id, func(n int) (string, error) {
		if n == 1 {
			close(h.left)
			<-h.free
			return "wamid.first", nil
		}
		return fmt.Sprintf("wamid.%s.%d", id, n), nil
	})
	return h
}

// leaving waits until the first attempt's request left.
func (h *heldAnswer) leaving(t *testing.T) {
	t.Helper()
	select {
	case <-h.left:
	case <-time.After(10 * time.Second):
		t.Fatal("the message was never sent")
	}
}

// release lets Meta answer the first attempt.
func (h *heldAnswer) release() { close(h.free) }

// stopTenant stops tenant's activation as a store that is down does: its snapshot save is
// refused, and what the store holds cannot be read back (tenant_save.go). The store takes
// saves and loads again afterwards.
func (s *outageStore) stopTenant(t *testing.T, r *senderRig, tenant string) {
	t.Helper()
	s.refuseWrites(tenant, time.Hour)
	s.refuseLoads(tenant, time.Hour)
	defer func() { s.refuseWrites(tenant, 0); s.refuseLoads(tenant, 0) }()
	if err := r.client.RecordTenantEvents(t.Context(), tenant, nil); err == nil {
		t.Fatal("the tenant saved its snapshot into a store that refuses it")
	}
}
