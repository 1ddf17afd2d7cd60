package actors

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Meta fails an accepted attempt with its own trouble (131000) while the sender is still
// writing that attempt's outcome (sending → sent: here the outbox refuses the write for a
// while, as a store that hiccups does), and the node stops as soon as the outcome landed,
// before the failure deferred meanwhile was looked at again. The failure is written to the
// row (retryable) as soon as the outcome lands, so the next activation decides it: the
// message goes once more, or not at all when Meta delivered the attempt as well. Before,
// the deferred failure lived in memory only until its next look (BusyRetry and more
// later): the stop lost it, the row stayed sent, and nobody sent the message again.
func TestFailureDeferredBehindItsOutcomeSurvivesAStop(t *testing.T) {
	forEachRedecided(t, func(t *testing.T, tc redecidedCase, store *outageStore, r *senderRig, stop func()) {
		tenant := r.newTenant(t)
		id := "deferred-failure-" + tenant
		const outage = 2500 * time.Millisecond // the outcome's write lands ≈2.55 s after Meta's answer
		answered := make(chan struct{})
		r.graph.answer(id, func(n int) (string, error) {
			if n == 1 {
				store.refuseWrites(id, outage) // the outcome's write, from now on
				close(answered)
			}
			return "wamid.first", nil
		})
		// The stopped activation's resend, if it decides one, is never written: its write
		// waits until the test's end and then fails. What the next activation finds is what
		// the stopped one wrote before its stop; and its resend, queued, could have left
		// before the stop when the backoff (0.5–1 s) ended first on a loaded machine.
		resend := store.holdResend(id)
		t.Cleanup(func() {
			store.refuseWrites(id, time.Hour)
			close(resend.release)
		})
		r.record(t, tenant, id, true)
		<-answered
		r.failedStatus(t, tenant, id, "wamid.first", 131000, true)
		if tc.delivered {
			r.status(t, tenant, id, "wamid.first", StatusDelivered)
		}
		waitFor(t, "the outcome written", func() bool { return r.row(t, id).State != persistence.OutboxSending })
		stop()
		if n, _ := r.graph.sends(id); n != 1 {
			t.Fatalf("sent %d times before the stop, want 1", n)
		}
		store.dropHold("resend:" + id) // the next activation's writes go through
		if !tc.delivered {
			waitFor(t, "the failure written to the row", func() bool { return r.row(t, id).State == persistence.OutboxRetryable })
		}
		next, _ := stoppableSender(t, store)
		// Delivered as well, the stopped activation may have settled the row before the stop,
		// or only marked it retryable (the outcome and the failure in one write) and stopped
		// before writing its decision: then the next keeper wakes the tenant to decide it.
		waitFor(t, "the keeper waking the tenant", func() bool {
			return (tc.delivered && r.row(t, id).State == persistence.OutboxSent) || next.keeperRound(t) > 0
		})
		next.wantResendDecided(t, id, tc.sends)
	})
}

// A row marked retryable behind a live activation's back — by a decision of an activation
// that stopped (or a stale one elsewhere) after this one had listed its rows, whose question
// went unanswered — is decided by the live activation at the outbox keeper's next wake: the
// message goes once, or not at all when the conversation shows the attempt delivered.
// Before, the keeper's wake of an active tenant only resumed its lanes, and the row waited
// for the tenant's next activation, which a busy tenant may not have for days.
func TestRetryableRowBehindALiveActivationIsDecided(t *testing.T) {
	forEachRedecided(t, func(t *testing.T, tc redecidedCase, _ *outageStore, r *senderRig, _ func()) {
		tenant := r.newTenant(t)
		r.activate(t, tenant) // live, and used just now: the keeper's wake does not restart it
		id := "behind-live-" + tenant
		r.markedRetryable(t, tenant, id, tc.delivered)
		r.keeperWakesOne(t, "a resend to decide")
		r.wantResendDecided(t, id, tc.sends)
	})
}

// forEachRedecided runs test for each redecidedCase on a fresh store of its backend, with a
// stoppable sender on it.
func forEachRedecided(t *testing.T, test func(t *testing.T, tc redecidedCase, store *outageStore, r *senderRig, stop func())) {
	for _, tc := range redecidedOn() {
		t.Run(tc.name, func(t *testing.T) {
			store := durableStore(t, tc.backend)
			r, stop := stoppableSender(t, store)
			test(t, tc, store, r, stop)
		})
	}
}

// A crash while the sender was sending: the row is left sending, and Meta's retryable failure
// of the attempt reached the conversation but never the sender (its call went unanswered
// and died with the process). The next activation reconciles the row from the conversation,
// which shows the attempt failed with Meta's own trouble: it is sent again, once. Before,
// reconciliation took the failed status as plain evidence that Meta had the message and
// settled it sent, and the message Meta asked us to retry was never sent again.
func TestCrashedSendWithARetryableFailureIsSentAgain(t *testing.T) {
	forEachRedecided(t, func(t *testing.T, tc redecidedCase, store *outageStore, r *senderRig, stop func()) {
		tenant := r.newTenant(t)
		id := "crashed-retryable-" + tenant
		store.refuseLoads(tenant, time.Hour) // the failure's call to the tenant never lands
		r.record(t, tenant, id, false)
		r.rewrite(t, id, func(row *persistence.OutboxMessage) { row.Attempts = 1 })
		row := r.row(t, id)
		row.State = persistence.OutboxSending
		if err := store.Outbox().Transition(t.Context(), persistence.OutboxQueued, row); err != nil {
			t.Fatal(err)
		}
		r.failedStatus(t, tenant, id, "wamid.first", 131000, true)
		if tc.delivered {
			r.status(t, tenant, id, "wamid.first", StatusDelivered)
		}
		stop()
		store.refuseLoads(tenant, 0)
		next, _ := stoppableSender(t, store)
		next.keeperWakesOne(t, "a row left sending")
		next.wantResendDecided(t, id, tc.sends)
	})
}
