package actors

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Meta fails an accepted attempt with its own trouble, and the resend decision's question to
// the conversation goes unanswered (here: the conversation stopped and cannot be loaded; as
// well a busy or passivating one, or its member unreachable). The word of a delivery the
// conversation holds is lost with the tenant's failed activations (it may as well have
// reached the sender before the failure did): no withdrawal will come. An unanswered
// question is not "not delivered": the decision waits and asks again, sending nothing
// meanwhile, and decides once the conversation answers — no resend of a delivered attempt,
// one resend of a failed one. Before, the decision sent the message again after 2 s of
// silence, and a message the customer had went out twice.
func TestResendDecisionWaitsForTheConversationsAnswer(t *testing.T) {
	r := sharedSender(t)
	for _, tc := range []struct {
		name      string
		delivered bool
		sends     int // once the conversation answers
	}{
		{name: "delivered as well", delivered: true, sends: 0},
		{name: "failed only", sends: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tenant, id := r.failedWhileTheTenantIsDown(t, "resend-unanswered-", time.Hour)
			if tc.delivered {
				r.status(t, tenant, id, "wamid.first", StatusDelivered)
			}
			r.conversationDown(t, tenant, id, "wamid.first")
			conv := ConversationIdentity(tenant, customer)
			r.outage.refuseLoads(tenant, 0) // the failure's call reaches the tenant now
			waitFor(t, "the decision", func() bool { return r.outage.outboxGets(id) > 0 })
			// Two questions unanswered: the decision looks a third time (each look reads the
			// row) instead of deciding. A decision that took silence for "not delivered" would
			// queue the row again (checked below) and send rather than look again.
			looks := r.outage.outboxGets(id)
			waitFor(t, "two more looks, or a send", func() bool {
				n, _ := r.graph.sends(id)
				return n > 0 || r.outage.outboxGets(id) >= looks+2
			})
			if n, _ := r.graph.sends(id); n != 0 {
				t.Fatalf("sent %d more times while the conversation could not say whether Meta delivered it, want 0", n)
			}
			// The failure written before the question: a stop now leaves the decision to the
			// next activation (sender_resend_durable_test.go).
			if row := r.row(t, id); row.State != persistence.OutboxRetryable || row.WAMID != "wamid.first" || len(row.Retracted) != 0 || row.ErrorCode != 131000 {
				t.Fatalf("row %+v while undecided, want retryable as wamid.first with 131000 and nothing retracted", row)
			}
			r.outage.refuseWrites(conv, 0)
			r.outage.refuseLoads(conv, 0)
			// The decision taken: the message sent again, or the row settled sent as the
			// delivered attempt.
			if tc.sends > 0 {
				waitFor(t, "the message sent again", func() bool { n, _ := r.graph.sends(id); return n == tc.sends })
			} else {
				waitFor(t, "the row settled", func() bool { return r.row(t, id).State == persistence.OutboxSent })
			}
			// Nothing more: no question is under way once the decision is taken, so what a
			// faulty decision could still do is a look it had deferred (three at most by now)
			// and the first resend's longest backoff; and slack. No event marks "nothing
			// more", so this one wait stays.
			time.Sleep(resendBackoff(sharedBusyRetry, 3) + time.Second + 3*sharedBusyRetry)
			if n, _ := r.graph.sends(id); n != tc.sends {
				t.Fatalf("sent %d more times once the conversation answered, want %d", n, tc.sends)
			}
		})
	}
}

// The conversation does not answer until the message's validity has ended: the decision
// waits until then and no longer (it settles the message failed without asking), so the
// message is not sent past its validity even once the conversation answers that Meta did
// not deliver it, and the failure does not keep the tenant asking for ever.
func TestUndecidedResendEndsWithTheMessagesValidity(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	id := "resend-unanswered-expiry-" + tenant
	r.storedAs(t, tenant, id, persistence.OutboxSent, "wamid.first")
	row := r.rewrite(t, id, func(row *persistence.OutboxMessage) {
		row.ExpiresAt = time.Now().Add(deliveredAskTimeout + time.Second)
	})
	r.outage.refuseLoads(tenant, time.Hour)
	r.failedStatus(t, tenant, id, "wamid.first", 131000, true)
	r.conversationDown(t, tenant, id, "wamid.first")
	// The test's own reads of the row (storedAs, rewrite) count as reads: the decision's
	// first look is one after the tenant can be activated.
	woken := time.Now()
	r.outage.refuseLoads(tenant, 0)
	waitFor(t, "the decision", func() bool { return r.outage.lastGet(id).After(woken) })
	// The first look that reads the row past the validity settles it without asking. Looks
	// come at fixed offsets from the first (each question's timeout, then the backoff), so
	// on a slow start one lands just past ExpiresAt: counting only the looks after a sleep
	// until then (and some slack) missed that one, and waited in vain for another, which a
	// settled row never gets.
	waitFor(t, "a look past the validity", func() bool { return r.outage.lastGet(id).After(row.ExpiresAt) })
	conv := ConversationIdentity(tenant, customer)
	r.outage.refuseWrites(conv, 0)
	r.outage.refuseLoads(conv, 0)
	// That look settles the row, asking nothing: no question is under way, so what the
	// decision could still do is a look it had deferred (four at most by now); and slack. No
	// event marks "nothing more", so this one wait stays.
	waitFor(t, "the row settled", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	gets := r.outage.outboxGets(id)
	time.Sleep(resendBackoff(sharedBusyRetry, 4) + time.Second)
	if n, _ := r.graph.sends(id); n != 0 {
		t.Fatalf("sent %d more times past its validity, want 0", n)
	}
	if n := r.outage.outboxGets(id); n != gets {
		t.Fatalf("the decision read the row %d more times past the message's validity, want none", n-gets)
	}
	if got := r.row(t, id); got.State != persistence.OutboxSent || got.WAMID != "wamid.first" {
		t.Fatalf("row %+v, want sent as wamid.first", got)
	}
}

// resendBackoff doubles from BusyRetry and stops at resendAskCap.
func TestResendBackoff(t *testing.T) {
	for _, tc := range []struct {
		tries int
		want  time.Duration
	}{
		{0, 2 * time.Second},
		{1, 4 * time.Second},
		{4, 32 * time.Second},
		{5, resendAskCap},
		{1000, resendAskCap},
	} {
		if got := resendBackoff(2*time.Second, tc.tries); got != tc.want {
			t.Errorf("resendBackoff(2s, %d) = %v, want %v", tc.tries, got, tc.want)
		}
	}
}
