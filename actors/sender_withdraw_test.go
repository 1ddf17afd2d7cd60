package actors

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Meta fails an accepted attempt with its own trouble and reports it delivered (another
// device got it) while the resend decision is writing: after the decision asked the
// conversation (which did not show the delivery yet), before the resend joins its lane.
// The decision ends with the delivery known, and the resend is withdrawn before it can
// leave: the row is back to sent with the delivered attempt's wamid, and the message goes
// out once.
func TestDeliveryDuringTheResendDecisionWithdrawsIt(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	id := "withdrawn-deciding-" + tenant
	sent := r.sentOnce(t, tenant, id)
	first, sentAt := sent.WAMID, sent.UpdatedAt
	hold := r.outage.holdResend(id)
	r.failedStatus(t, tenant, id, first, 131000, true)
	select {
	case <-hold.reached: // the decision asked the conversation and writes the resend
	case <-time.After(5 * time.Second):
		t.Fatal("no resend decision")
	}
	r.status(t, tenant, id, first, StatusDelivered)
	waitFor(t, "the conversation shows the delivery", func() bool { return r.message(t, tenant, id).Status == StatusDelivered })
	// The conversation tells the sender once the delivery is durable, just after answering.
	time.Sleep(sharedBusyRetry)
	close(hold.release)
	waitFor(t, "the resend withdrawn", func() bool {
		row := r.row(t, id) // written twice since it was sent: queued again, and back
		return row.State == persistence.OutboxSent && row.WAMID == first && len(row.Retracted) == 0 && row.UpdatedAt.After(sentAt)
	})
	if n, _ := r.graph.sends(id); n != 1 {
		t.Fatalf("%d sends of a message Meta delivered, want 1", n)
	}
	waitFor(t, "the conversation shows the delivered attempt", func() bool {
		m := r.message(t, tenant, id)
		return m.Status == StatusDelivered && m.WAMID == first && len(m.RetractedWAMIDs) == 0
	})
}

// Meta fails an accepted attempt with its own trouble and then reports it delivered, while
// the tenant cannot be activated (its store refuses the snapshot): the failure waits for
// the tenant (a call, retried), the word of the delivery is lost with the failed
// activations, as it is with one that stops or restarts. The activation that decides at
// last asks the conversation, which kept the delivery, and sends nothing.
func TestNoResendOfAFailureDeliveredWhileTheTenantWasDown(t *testing.T) {
	r := sharedSender(t)
	tenant, id := r.failedWhileTheTenantIsDown(t, "resend-delivered-down-", 600*time.Millisecond)
	r.status(t, tenant, id, "wamid.first", StatusDelivered)
	waitFor(t, "the decision", func() bool { return r.outage.outboxGets(id) > 0 })
	time.Sleep(time.Second + 3*sharedBusyRetry) // the first resend's longest backoff, and slack
	if n, _ := r.graph.sends(id); n != 0 {
		t.Fatalf("a message delivered as well as failed went out %d more times, want 0", n)
	}
	if got := r.row(t, id); got.State != persistence.OutboxSent || got.WAMID != "wamid.first" || len(got.Retracted) != 0 {
		t.Fatalf("row %+v, want sent as wamid.first with nothing retracted", got)
	}
}

// conversationShowsDelivered, the resend decision's one question before it queues the
// message again, answers from the conversation: yes only when it shows the failed attempt
// itself delivered (or read); no for a failure alone, another attempt's delivery, or a
// conversation that does not have the message.
func TestConversationShowsDelivered(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	for i, tc := range []struct {
		name     string
		statuses []string // of attempt A, after the failure
		ask      string   // the failed attempt the decision asks about: A, or another one
		record   bool
		want     bool
	}{
		{name: "failed only", record: true, ask: "A"},
		{name: "failed, then delivered", record: true, statuses: []string{StatusDelivered}, ask: "A", want: true},
		{name: "failed, then read", record: true, statuses: []string{StatusRead}, ask: "A", want: true},
		{name: "another attempt asked about", record: true, statuses: []string{StatusDelivered}, ask: "B"},
		{name: "the conversation lacks the message", ask: "A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("shows-%s-%d", tenant, i)
			wamidA := "wamid.A." + id // a wamid names one message of the conversation
			r.storedAs(t, tenant, id, persistence.OutboxSent, wamidA)
			row := r.row(t, id)
			if tc.record {
				m, _ := OutboundMessage(id, row.Request, row.CreatedAt)
				if _, err := r.client.RecordOutbound(t.Context(), tenant, customer, m); err != nil {
					t.Fatal(err)
				}
				r.status(t, tenant, id, wamidA, StatusSent)
				// Not a retryable failure: the sender must not resend meanwhile.
				r.failedStatus(t, tenant, id, wamidA, 131026, false)
				for _, s := range tc.statuses {
					r.status(t, tenant, id, wamidA, s)
				}
			}
			if got := conversationShowsDelivered(t.Context(), r.client.node, row, "wamid."+tc.ask+"."+id); got != tc.want {
				t.Fatalf("conversationShowsDelivered = %v, want %v (%+v)", got, tc.want, r.message(t, tenant, id))
			}
		})
	}
}

// A decision finds the row already queued again for this failure (an earlier decision's
// write landed, its answer was lost) and the conversation showing the attempt delivered:
// the row is settled on that attempt, which it no longer retracts — an earlier attempt's
// retraction stays. A row sent as another attempt is left as it is.
func TestSettledOnADeliveredAttempt(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	requeued := persistence.OutboxMessage{ID: "m1", State: persistence.OutboxQueued, Retracted: []string{"W0", "W1"}}
	got := settledOn(requeued, "W1", now)
	if got.State != persistence.OutboxSent || got.WAMID != "W1" || !slices.Equal(got.Retracted, []string{"W0"}) {
		t.Fatalf("settled as %+v, want sent as W1 retracting [W0]", got)
	}
	if !slices.Equal(requeued.Retracted, []string{"W0", "W1"}) {
		t.Fatalf("the stored row's Retracted written through: %v", requeued.Retracted)
	}
	sent := persistence.OutboxMessage{ID: "m1", State: persistence.OutboxSent, WAMID: "W2", Retracted: []string{"W1"}}
	if got := settledOn(sent, "W1", now); got.State != persistence.OutboxSent || got.WAMID != "W2" || !slices.Equal(got.Retracted, []string{"W1"}) {
		t.Fatalf("a row sent as another attempt became %+v", got)
	}
}

// sentOnce records message id as the REST edge does and waits until its first attempt is
// sent: the row as it is then.
func (r *senderRig) sentOnce(t *testing.T, tenant, id string) persistence.OutboxMessage {
	t.Helper()
	r.record(t, tenant, id, true)
	waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	return r.row(t, id)
}
