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
	r.caughtUp(t, tenant)
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

// Meta fails an accepted attempt with its own trouble and then reports it delivered while
// the failure waits to be looked at again: the outbox could not be read, or the decision's
// write failed (with the delivery known to it). The conversation reports a delivery once; a
// later look would ask it again, and a conversation that cannot answer then (here: it
// stopped and cannot be loaded) proves nothing, so the message would go twice. The
// delivery ends the waiting failure instead: the message goes once.
func TestDeliveryOfAFailureWaitingToBeDecidedAgainEndsIt(t *testing.T) {
	r := sharedSender(t)
	for _, tc := range []struct {
		name string
		// outage makes the resend decision for id fail: reached waits until it is under way,
		// release ends the outage.
		outage func(t *testing.T, id string) (reached, release func())
	}{
		{name: "the outbox unreadable", outage: func(t *testing.T, id string) (func(), func()) {
			r.outage.refuseWrites("read:"+id, time.Hour)
			before := r.outage.outboxGets(id)
			return func() {
					waitFor(t, "the decision's read", func() bool { return r.outage.outboxGets(id) > before })
				}, func() {
					r.outage.refuseWrites("read:"+id, 0)
				}
		}},
		{name: "the decision's write failed", outage: func(t *testing.T, id string) (func(), func()) {
			hold := r.outage.holdResend(id)
			return func() {
					select {
					case <-hold.reached:
					case <-time.After(5 * time.Second):
						t.Fatal("no resend decision")
					}
				}, func() {
					// The held write finds the row moved and cannot read it back: a store error.
					r.outage.refuseWrites("conflict:"+id, 2*sharedBusyRetry)
					r.outage.refuseWrites("read:"+id, 2*sharedBusyRetry)
					close(hold.release)
				}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tenant := r.newTenant(t)
			id := "delivered-waiting-" + tenant
			first := r.sentOnce(t, tenant, id).WAMID
			reached, release := tc.outage(t, id)
			r.failedStatus(t, tenant, id, first, 131000, true)
			reached()
			r.status(t, tenant, id, first, StatusDelivered)
			r.caughtUp(t, tenant)
			r.conversationDown(t, tenant, id, first)
			release()
			// A decision's question the conversation cannot answer, the write outage, the
			// first resend's longest backoff, and slack.
			time.Sleep(deliveredAskTimeout + time.Second + 5*sharedBusyRetry)
			if n, _ := r.graph.sends(id); n != 1 {
				t.Fatalf("a message delivered as well as failed went out %d times, want 1", n)
			}
			if row := r.row(t, id); row.State != persistence.OutboxSent || row.WAMID != first || len(row.Retracted) != 0 {
				t.Fatalf("row %+v, want sent as %s with nothing retracted", row, first)
			}
		})
	}
}

// caughtUp returns once the tenant handled what its conversations told it so far: a
// conversation tells the tenant a status's evidence before it acknowledges the status, and
// the tenant's mailbox is FIFO, so the answer to a question asked now comes after it.
func (r *senderRig) caughtUp(t *testing.T, tenant string) {
	t.Helper()
	if _, err := r.client.TenantState(t.Context(), tenant); err != nil {
		t.Fatal(err)
	}
}

// conversationDown stops the customer's conversation and keeps it from loading for the rest
// of the test: its next flush (Meta's read of wamid) fails, which ends its activation.
func (r *senderRig) conversationDown(t *testing.T, tenant, id, wamid string) {
	t.Helper()
	conv := ConversationIdentity(tenant, customer)
	r.outage.refuseWrites(conv, time.Hour)
	r.outage.refuseLoads(conv, time.Hour)
	t.Cleanup(func() { r.outage.refuseWrites(conv, 0); r.outage.refuseLoads(conv, 0) })
	_, err := r.client.Deliver(t.Context(), customer, &Deliver{TenantID: tenant, Contact: Contact{WaID: customer},
		Statuses: []StatusUpdate{{WAMID: wamid, Status: StatusRead, Timestamp: time.Now(), CallbackData: id, Placed: true}}})
	if err == nil {
		t.Fatal("a conversation whose store refuses its flush answered a status")
	}
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
			got, err := conversationShowsDelivered(t.Context(), r.client.node, row, "wamid."+tc.ask+"."+id)
			if err != nil || got != tc.want {
				t.Fatalf("conversationShowsDelivered = %v, %v, want %v (%+v)", got, err, tc.want, r.message(t, tenant, id))
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
