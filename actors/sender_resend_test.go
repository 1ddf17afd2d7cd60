package actors

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// failedStatus delivers Meta's failed status for one attempt of message id.
func (r *senderRig) failedStatus(t *testing.T, tenantID, id, wamid string, code int, retryable bool) {
	t.Helper()
	_, err := r.client.Deliver(t.Context(), customer, &Deliver{TenantID: tenantID, Contact: Contact{WaID: customer},
		Statuses: []StatusUpdate{{WAMID: wamid, Status: StatusFailed, Timestamp: time.Now(), CallbackData: id, Placed: true,
			Error: &MessageError{Code: code, Title: "Something went wrong"}, Retryable: retryable}}})
	if err != nil {
		t.Fatal(err)
	}
}

// Meta accepted a message and then failed it with its own trouble (131000 in a failed status
// webhook): WHATSAPP.md §2.3 retries that code on either path, so the message goes again,
// once, with a new wamid. The failed attempt's statuses — Meta's duplicate of the failure, a
// late "delivered" from another device — no longer change the message. A failure about the
// message itself (131026 undeliverable) is not sent again.
func TestSenderResendsAMessageMetaFailedWithItsOwnTrouble(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	retried, undeliverable := "resend-"+tenant, "undeliverable-"+tenant
	for _, id := range []string{retried, undeliverable} {
		r.record(t, tenant, id, true)
		waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	}
	first := r.row(t, retried).WAMID
	r.failedStatus(t, tenant, retried, first, 131000, true)
	r.failedStatus(t, tenant, undeliverable, r.row(t, undeliverable).WAMID, 131026, false)

	// Queued again, and waiting its backoff (half a second at least); a late duplicate of
	// the failure does not make it that attempt again.
	waitFor(t, "the message queued again", func() bool {
		m := r.message(t, tenant, retried)
		return m.Status == StatusQueued && m.WAMID == "" && slices.Equal(m.RetractedWAMIDs, []string{first})
	})
	r.failedStatus(t, tenant, retried, first, 131000, true)
	// Still queued, or already gone again: the resend's backoff is 0.5–1 s, which a loaded
	// machine can spend between the look above and this one. Either way the failed
	// attempt's duplicate did not bring that attempt, or its failure, back.
	if m := r.message(t, tenant, retried); !slices.Equal(m.RetractedWAMIDs, []string{first}) ||
		!(m.Status == StatusQueued && m.WAMID == "") && !(m.Status == StatusSent && m.WAMID != "" && m.WAMID != first) {
		t.Fatalf("a status of the failed attempt applied to the message queued again: %+v", m)
	}
	waitFor(t, "the message sent again", func() bool {
		row := r.row(t, retried)
		return row.State == persistence.OutboxSent && row.WAMID != "" && row.WAMID != first
	})
	row := r.row(t, retried)
	if !slices.Equal(row.Retracted, []string{first}) {
		t.Fatalf("outbox row retracts %v, want [%s]", row.Retracted, first)
	}
	waitFor(t, "the conversation shows the second attempt", func() bool {
		m := r.message(t, tenant, retried)
		return m.Status == StatusSent && m.WAMID == row.WAMID
	})
	m := r.message(t, tenant, retried)
	if m.Error != nil || !slices.Equal(m.RetractedWAMIDs, []string{first}) {
		t.Fatalf("message after the resend: %+v", m)
	}

	// The failed attempt's statuses arrive again, late, once the message went again: nothing
	// changes, nothing more is sent (the customer may have it twice: nothing can undo that).
	r.failedStatus(t, tenant, retried, first, 131000, true)
	r.status(t, tenant, retried, first, StatusDelivered)
	r.status(t, tenant, retried, row.WAMID, StatusDelivered)
	waitFor(t, "the second attempt delivered", func() bool { return r.message(t, tenant, retried).Status == StatusDelivered })
	time.Sleep(3 * sharedBusyRetry / 2) // a resend would have started by now
	if n, _ := r.graph.sends(retried); n != 2 {
		t.Fatalf("%d sends of the message Meta failed once, want 2", n)
	}
	if got := r.message(t, tenant, retried); got.WAMID != row.WAMID || got.Status != StatusDelivered || got.Error != nil {
		t.Fatalf("a retracted attempt's status changed the message: %+v", got)
	}
	if n, _ := r.graph.sends(undeliverable); n != 1 {
		t.Fatalf("%d sends of an undeliverable message, want 1", n)
	}
	if got := r.message(t, tenant, undeliverable); got.Status != StatusFailed || got.Error == nil || got.Error.Code != 131026 {
		t.Fatalf("undeliverable message: %+v", got)
	}
}

func TestResendOf(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	sent := persistence.OutboxMessage{ID: "m1", TenantID: "t1", State: persistence.OutboxSent, WAMID: "wamid.A", CreatedAt: now.Add(-time.Minute)}
	ev := &OutboundEvidence{MessageID: "m1", WAMID: "wamid.A", Retry: &MessageError{Code: 131000, Title: "Something went wrong"}}
	requeued := sent
	requeued.State, requeued.WAMID, requeued.Retracted = persistence.OutboxQueued, "", []string{"wamid.A"}
	with := func(f func(*persistence.OutboxMessage)) persistence.OutboxMessage {
		r := sent
		f(&r)
		return r
	}
	for _, tc := range []struct {
		name    string
		row     persistence.OutboxMessage
		tenant  string
		sendBy  time.Time
		ok      bool
		why     string
		settled persistence.OutboxState
	}{
		{name: "the attempt Meta failed: queued again", row: sent, tenant: "t1", ok: true},
		{name: "within its validity", row: sent, tenant: "t1", sendBy: now.Add(time.Second), ok: true},
		{name: "another tenant's row", row: sent, tenant: "t2"},
		{name: "already queued again for this failure", row: requeued, tenant: "t1", ok: true},
		{name: "another attempt's wamid", row: with(func(r *persistence.OutboxMessage) { r.WAMID = "wamid.B" }), tenant: "t1"},
		{name: "not sent (failed by Meta's answer)", row: with(func(r *persistence.OutboxMessage) { r.State = persistence.OutboxFailed }), tenant: "t1"},
		{name: "fifth failure: attempts used up", row: with(func(r *persistence.OutboxMessage) { r.Retracted, r.Transient = []string{"w1"}, 4 }), tenant: "t1", why: "attempts used up"},
		{name: "four refusals of the send before Meta took it: used up too", row: with(func(r *persistence.OutboxMessage) { r.Transient = 4 }), tenant: "t1", why: "attempts used up"},
		{name: "three failures before: once more", row: with(func(r *persistence.OutboxMessage) { r.Transient = 3 }), tenant: "t1", ok: true},
		{name: "past its validity", row: sent, tenant: "t1", sendBy: now, why: "past its validity"},
		// A row not held, queued to go again, at its bound: settled on what Meta answered,
		// so its lane does not send it once more.
		{name: "queued, attempts used up: settled sent", row: with(func(r *persistence.OutboxMessage) {
			r.State, r.WAMID, r.Transient = persistence.OutboxQueued, "", 4
		}), tenant: "t1", why: "attempts used up", settled: persistence.OutboxSent},
		{name: "unknown, past its validity: settled sent", row: with(func(r *persistence.OutboxMessage) {
			r.State, r.WAMID = persistence.OutboxUnknown, ""
		}), tenant: "t1", sendBy: now, why: "past its validity", settled: persistence.OutboxSent},
		// Marked with the failure by a decision a stop or a crash cut short: decided again.
		{name: "retryable for this failure: queued again", row: with(func(r *persistence.OutboxMessage) {
			r.State = persistence.OutboxRetryable
		}), tenant: "t1", ok: true},
		{name: "retryable, past its validity: settled sent", row: with(func(r *persistence.OutboxMessage) {
			r.State = persistence.OutboxRetryable
		}), tenant: "t1", sendBy: now, why: "past its validity", settled: persistence.OutboxSent},
		{name: "retryable for another attempt", row: with(func(r *persistence.OutboxMessage) {
			r.State, r.WAMID = persistence.OutboxRetryable, "wamid.B"
		}), tenant: "t1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			again, ok, why := resendOf(tc.row, ev, tc.tenant, 5, tc.sendBy, now)
			if ok != tc.ok || why != tc.why {
				t.Fatalf("resendOf = %v %q, want %v %q", ok, why, tc.ok, tc.why)
			}
			if tc.settled != "" && (again.State != tc.settled || again.WAMID != "wamid.A") {
				t.Fatalf("settled as %s %q, want %s wamid.A", again.State, again.WAMID, tc.settled)
			}
			if !ok || (tc.row.State != persistence.OutboxSent && tc.row.State != persistence.OutboxRetryable) {
				return
			}
			wait := (&SendFailure{}).wait(tc.row.Transient, transientBase, transientCap)
			if again.State != persistence.OutboxQueued || again.WAMID != "" || !slices.Contains(again.Retracted, "wamid.A") ||
				again.Transient != tc.row.Transient+1 || again.ErrorCode != 131000 ||
				again.NextAttemptAt.Before(now.Add(wait/2)) || again.NextAttemptAt.After(now.Add(wait)) {
				t.Fatalf("queued again as %+v", again)
			}
		})
	}
	// The row the caller holds is not written through: Retracted gets its own array.
	base := with(func(r *persistence.OutboxMessage) { r.Retracted = make([]string, 1, 4) })
	base.Retracted[0] = "w0"
	if again, _, _ := resendOf(base, ev, "t1", 5, time.Time{}, now); &again.Retracted[0] == &base.Retracted[0] {
		t.Fatal("the queued-again row shares the stored row's Retracted array")
	}
}

// The conversation missed the sender's word that the message went again (its store refused
// the write), and Meta's statuses of the new attempt arrive: they name our id and a wamid
// the message does not show. The attempt it shows failed with Meta's own trouble, so they
// are the new attempt's: the message starts over with it, and the sender hears it reached
// Meta. Without that the statuses were held, the message said "failed" for good, and a lost
// answer to the new attempt was resent a third time (reconciliation saw no evidence).
func TestConversationFollowsAResendItWasNotToldOf(t *testing.T) {
	c := failedWithMetasTrouble()
	if ev := c.takeEvidence(); len(ev) != 1 || ev[0].Retry == nil || ev[0].WAMID != "W1" {
		t.Fatalf("retry evidence %+v", ev)
	}
	for _, s := range []string{StatusSent, StatusDelivered, StatusRead} {
		if out, _ := c.applyStatus(StatusUpdate{WAMID: "W2", Status: s, Timestamp: t0, CallbackData: "m1"}); out != statusApplied {
			t.Fatalf("W2 %s: outcome %v, want applied", s, out)
		}
	}
	if ev := c.takeEvidence(); len(ev) != 1 || ev[0].WAMID != "W2" || ev[0].Retry != nil {
		t.Fatalf("evidence of the new attempt %+v", ev)
	}
	if v := c.outboundView("m1"); v.Status != StatusRead || v.WAMID != "W2" {
		t.Fatalf("customer read W2, message shows %+v", v)
	}
	// A failure for another reason (the customer is not on WhatsApp) is final: a status of
	// another wamid is another copy's, as before.
	c.addOutbound(outboundText("m2"), t0)
	c.outboundResult(&OutboundResult{MessageID: "m2", WAMID: "X1", Status: StatusSent, At: t0}, t0)
	c.applyStatus(StatusUpdate{WAMID: "X1", Status: StatusFailed, Timestamp: t0, CallbackData: "m2", Error: &MessageError{Code: 131026}})
	if out, _ := c.applyStatus(StatusUpdate{WAMID: "X2", Status: StatusSent, Timestamp: t0, CallbackData: "m2"}); out != statusHeld {
		t.Fatalf("a status of another copy of a message failed for good: %v, want held", out)
	}
}

// The sender's result naming the failed attempt as retracted reaches a conversation that
// holds statuses of the new attempt (held before this change, or by a conversation that
// only learns of the resend from the result): the message adopts them, which is evidence
// for reconciliation.
func TestRetractionAdoptsHeldStatusesOfTheNewAttempt(t *testing.T) {
	c := newTestConversation()
	c.addOutbound(outboundText("m1"), t0)
	c.outboundResult(&OutboundResult{MessageID: "m1", WAMID: "W1", Status: StatusSent, At: t0}, t0)
	c.hold(StatusUpdate{WAMID: "W2", Status: StatusDelivered, Timestamp: t0, CallbackData: "m1"})
	c.takeEvidence()
	c.outboundResult(&OutboundResult{MessageID: "m1", Status: StatusUnknown, At: t0, Retracted: []string{"W1"}}, t0)
	if v := c.outboundView("m1"); !v.Reached() || v.WAMID != "W2" {
		t.Fatalf("view after the retraction: %+v", v)
	}
	if ev := c.takeEvidence(); len(ev) != 1 || ev[0].WAMID != "W2" {
		t.Fatalf("evidence %+v", ev)
	}
}

// Meta's failed webhook arrives twice for a message whose record the conversation lost (each
// held copy is a retry), while the outbox refuses writes to the row a moment: one decision
// at a time, so the second finds the message already queued again (or sent again, with a
// new wamid it must not retract). The message goes once more, not twice.
func TestOneResendForADuplicatedFailure(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	id := "resend-dup-" + tenant
	r.storedAs(t, tenant, id, persistence.OutboxSent, "wamid.first")
	// The outage outlasts several of the decision's tries, and the repeat comes during it.
	r.outage.refuseWrites(id, 6*sharedBusyRetry)
	r.failedStatus(t, tenant, id, "wamid.first", 131000, true)
	time.Sleep(2 * sharedBusyRetry)
	r.failedStatus(t, tenant, id, "wamid.first", 131000, true) // Meta's retry of the webhook
	waitFor(t, "the message sent again", func() bool {
		return r.row(t, id).State == persistence.OutboxSent && r.row(t, id).WAMID != "wamid.first"
	})
	time.Sleep(3 * sharedBusyRetry) // a second resend would have started by now
	if n, _ := r.graph.sends(id); n != 1 {
		t.Fatalf("Meta failed one attempt; the message went out %d more times, want 1", n)
	}
	if got := r.row(t, id); !slices.Equal(got.Retracted, []string{"wamid.first"}) {
		t.Fatalf("row %+v", got)
	}
}

// A row of unknown fate this activation does not hold (another activation parked it) is
// failed by Meta with 131000: the failure proves it reached Meta, and the decision settles
// it and sends it again in one step. A confirmation running beside the decision used to
// settle it sent while the decision, reading it unknown, dropped the resend.
func TestResendOfARowNotHeld(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	r.activate(t, tenant)
	id := "resend-unheld-" + tenant
	r.storedAs(t, tenant, id, persistence.OutboxUnknown, "")
	r.failedStatus(t, tenant, id, "wamid.first", 131000, true)
	waitFor(t, "the message sent again", func() bool { n, _ := r.graph.sends(id); return n == 1 })
	waitFor(t, "settled", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	if got := r.row(t, id); !slices.Equal(got.Retracted, []string{"wamid.first"}) || got.WAMID == "wamid.first" {
		t.Fatalf("row %+v", got)
	}
}

// Rows of unknown fate this activation does not hold, whose conversation has the message
// without a wamid, are failed by Meta with 131000: the conversation learns each failed wamid
// and gives the sender only the retryable failure, which the resend decision settles alone.
// It used to give plain evidence too, whose confirmation raced the decision (a review saw 8
// of 30 never sent again); a decision whose write conflicts now decides again.
func TestResendOfAnUnheldRowTheConversationKnows(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	r.activate(t, tenant)
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = fmt.Sprintf("resend-known-%d-%s", i, tenant)
		r.storedAs(t, tenant, ids[i], persistence.OutboxUnknown, "")
		row := r.row(t, ids[i])
		m, _ := OutboundMessage(ids[i], row.Request, row.CreatedAt)
		if _, err := r.client.RecordOutbound(t.Context(), tenant, customer, m); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range ids {
		r.failedStatus(t, tenant, id, fmt.Sprintf("wamid.first.%d", i), 131000, true)
	}
	for _, id := range ids {
		waitFor(t, id+" sent again", func() bool { n, _ := r.graph.sends(id); return n == 1 })
	}
}

// After a resend, the outbox settles the new attempt as soon as Meta answers, even while the
// conversation cannot write: the new attempt's statuses repair the record. (For a while every
// such settle waited for the conversation, leaving the row "sending" as long as it refused.)
func TestResentRowSettlesWithoutTheConversation(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	id := "resend-settle-" + tenant
	r.record(t, tenant, id, true)
	waitFor(t, "sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	r.failedStatus(t, tenant, id, r.row(t, id).WAMID, 131000, true)
	waitFor(t, "queued again", func() bool { return r.row(t, id).State == persistence.OutboxQueued })
	r.outage.refuseWrites(ConversationIdentity(tenant, customer), 8*time.Second)
	waitFor(t, "sent again", func() bool { n, _ := r.graph.sends(id); return n == 2 })
	deadline := time.Now().Add(3 * time.Second)
	for r.row(t, id).State != persistence.OutboxSent {
		if time.Now().After(deadline) {
			t.Fatalf("Meta accepted the second attempt 3 s ago; the outbox row is still %s", r.row(t, id).State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// activate wakes the tenant's grain with a message of its own, sent before the test goes on:
// rows stored after that are ones the activation does not hold.
func (r *senderRig) activate(t *testing.T, tenant string) {
	t.Helper()
	warm := "warm-" + tenant
	r.record(t, tenant, warm, true)
	waitFor(t, "warm sent", func() bool { return r.row(t, warm).State == persistence.OutboxSent })
}

// A retryable failure naming a message the outbox does not hold (pruned, or another app's
// callback data) is looked at once, not again and again: it used to keep the tenant awake,
// deciding every two seconds for ever.
func TestResendOfAMissingRowStops(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	r.activate(t, tenant)
	id := "resend-missing-" + tenant
	r.failedStatus(t, tenant, id, "wamid.elsewhere", 131000, true)
	waitFor(t, "the decision", func() bool { return r.outage.outboxGets(id) > 0 })
	time.Sleep(2*sharedBusyRetry + sharedBusyRetry/2) // two more looks, had it looked again
	if n := r.outage.outboxGets(id); n != 1 {
		t.Fatalf("the outbox was read %d times for a row it does not hold, want once", n)
	}
}

// rewrite changes stored row id in place, in the state it is in.
func (r *senderRig) rewrite(t *testing.T, id string, change func(*persistence.OutboxMessage)) persistence.OutboxMessage {
	t.Helper()
	row := r.row(t, id)
	change(&row)
	if err := r.store.Outbox().Transition(t.Context(), row.State, row); err != nil {
		t.Fatal(err)
	}
	return row
}

// A row of unknown fate keeps its count of Meta's trouble through reconciliation: the
// activation that parks it starts from the row's count, not from zero.
func TestReconciledRowKeepsItsFailureCount(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	id := "resend-count-" + tenant
	r.storedAs(t, tenant, id, persistence.OutboxUnknown, "")
	r.rewrite(t, id, func(row *persistence.OutboxMessage) { row.Transient = 3 })
	r.activate(t, tenant)
	waitFor(t, "reconciled and sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	if got := r.row(t, id).Transient; got != 3 {
		t.Fatalf("failure count after reconciliation: %d, want 3", got)
	}
}

// Regression: the conversation told its tenant of Meta's retryable failure with a Tell, which
// an activation that fails (the store down as it loads) or is stopping drops without a word.
// Nothing told it again — the conversation had applied the status, so a replay of the webhook
// changes nothing — and the message Meta failed with its own trouble was never sent again.
func TestResendSurvivesTheTenantsFailedActivation(t *testing.T) {
	r := sharedSender(t)
	const outage = 300 * time.Millisecond
	_, id := r.failedWhileTheTenantIsDown(t, "resend-activation-", outage)
	time.Sleep(outage)
	waitFor(t, "the message sent again", func() bool { n, _ := r.graph.sends(id); return n == 1 })
}

// failedWhileTheTenantIsDown stores a message a new tenant sent as wamid.first (by an
// earlier activation: nothing wakes the tenant, and its conversation holds the statuses by
// our id), makes the tenant's activations fail for outage, and has Meta fail the message
// with 131000 meanwhile. The failure activates the tenant: the conversation calls it.
func (r *senderRig) failedWhileTheTenantIsDown(t *testing.T, prefix string, outage time.Duration) (tenant, id string) {
	t.Helper()
	tenant = r.newTenant(t)
	id = prefix + tenant
	r.storedAs(t, tenant, id, persistence.OutboxSent, "wamid.first")
	r.outage.refuseLoads(tenant, outage)
	r.failedStatus(t, tenant, id, "wamid.first", 131000, true)
	return tenant, id
}

// Meta failed an attempt with its own trouble (131000) and then reported it delivered (or
// read) after all, the engine having decided to send the message again. While the new
// attempt has not left (it waits its backoff in its lane), it is withdrawn: the outbox row
// goes back to sent with the delivered attempt's wamid, the conversation shows the delivery,
// and the message is not sent twice. Before, the delivery was ignored as a retracted
// attempt's status and the customer got the message twice. Both orders: the delivery after
// the resend was decided (the message queued again), and in the failure's own webhook.
func TestDeliveryOfAFailedAttemptWithdrawsItsResend(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	for _, tc := range []struct {
		name      string
		sameBatch bool
	}{{"after the resend was decided", false}, {"in the failure's webhook", true}} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("withdrawn-%v-%s", tc.sameBatch, tenant)
			r.record(t, tenant, id, true)
			waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
			first := r.row(t, id).WAMID
			failed := StatusUpdate{WAMID: first, Status: StatusFailed, Timestamp: time.Now(), CallbackData: id,
				Error: &MessageError{Code: 131000, Title: "Something went wrong"}, Retryable: true}
			delivered := StatusUpdate{WAMID: first, Status: StatusDelivered, Timestamp: time.Now(), CallbackData: id}
			statuses, unblock := []StatusUpdate{failed}, func() {}
			if tc.sameBatch {
				statuses = append(statuses, delivered)
			} else {
				// The resend waits its turn behind another message to the customer, whose send
				// Meta holds, as well as its backoff: the delivery below must find it in its
				// lane, and the backoff alone (0.5–1 s) could pass first on a loaded machine.
				unblock = r.blockLane(t, tenant, "ahead-of-"+id)
			}
			if _, err := r.client.Deliver(t.Context(), customer, &Deliver{TenantID: tenant, Contact: Contact{WaID: customer}, Statuses: statuses}); err != nil {
				t.Fatal(err)
			}
			if !tc.sameBatch {
				waitFor(t, "the message queued again", func() bool {
					return r.row(t, id).State == persistence.OutboxQueued && r.message(t, tenant, id).Status == StatusQueued
				})
				r.status(t, tenant, id, first, StatusDelivered)
			}
			time.Sleep(time.Second + 3*sharedBusyRetry/2) // past the first resend's longest backoff
			unblock()
			waitFor(t, "the delivered attempt back in the outbox", func() bool {
				row := r.row(t, id)
				return row.State == persistence.OutboxSent && row.WAMID == first && len(row.Retracted) == 0
			})
			waitFor(t, "the conversation shows the delivery", func() bool {
				m := r.message(t, tenant, id)
				return m.Status == StatusDelivered && m.WAMID == first && len(m.RetractedWAMIDs) == 0
			})
			if n, _ := r.graph.sends(id); n != 1 {
				t.Fatalf("%d sends of a message Meta delivered, want 1", n)
			}
			// Its later statuses apply as to any message.
			r.status(t, tenant, id, first, StatusRead)
			waitFor(t, "the message read", func() bool { return r.message(t, tenant, id).Status == StatusRead })
		})
	}
}

// blockLane sends message id to the customer and has Meta hold its answer until the
// returned func is called (or the test ends): the customer's lane stays busy with it, and
// messages queued to the customer meanwhile wait in the lane, withdrawable.
func (r *senderRig) blockLane(t *testing.T, tenantID, id string) (unblock func()) {
	t.Helper()
	release := make(chan struct{})
	var once sync.Once
	unblock = func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	arrived := heldSends(r, []string{id}, release)
	r.record(t, tenantID, id, true)
	waitFor(t, id+" at Meta", func() bool { return arrived.Load() == 1 })
	return unblock
}

// failedWithMetasTrouble is a conversation whose message m1 Meta accepted as W1 and then
// failed with 131000, retryable.
func failedWithMetasTrouble() *conversation {
	c := newTestConversation()
	c.addOutbound(outboundText("m1"), t0)
	c.outboundResult(&OutboundResult{MessageID: "m1", WAMID: "W1", Status: StatusSent, At: t0}, t0)
	c.applyStatus(StatusUpdate{WAMID: "W1", Status: StatusFailed, Timestamp: t0, CallbackData: "m1",
		Error: &MessageError{Code: 131000}, Retryable: true})
	return c
}

// The sender hears once that Meta delivered an attempt it had failed with its own trouble:
// a later read of the same attempt tells it nothing more.
func TestConversationTellsOfADeliveryAfterARetryableFailureOnce(t *testing.T) {
	c := failedWithMetasTrouble()
	c.takeEvidence()
	for i, s := range []string{StatusDelivered, StatusRead} {
		c.applyStatus(StatusUpdate{WAMID: "W1", Status: s, Timestamp: t0, CallbackData: "m1"})
		ev := c.takeEvidence()
		if want := 1 - i; len(ev) != want || (want == 1 && (!ev[0].Delivered || ev[0].WAMID != "W1")) {
			t.Fatalf("after %s: evidence %+v, want %d delivery", s, ev, want)
		}
	}
	// The sender's word of the resend does not start over a message Meta delivered.
	c.outboundResult(&OutboundResult{MessageID: "m1", Status: StatusQueued, At: t0, Retracted: []string{"W1"}}, t0)
	if v := c.outboundView("m1"); v.WAMID != "W1" || v.Status != StatusRead {
		t.Fatalf("view %+v, want W1 read", v)
	}
	// The withdrawal reinstates the attempt.
	c.outboundResult(&OutboundResult{MessageID: "m1", WAMID: "W1", Status: StatusSent, At: t0, Reinstated: "W1"}, t0)
	pos, _ := c.log.lookup("W1")
	if m, _ := c.log.at(pos); len(m.RetractedWAMIDs) != 0 || m.Status != StatusRead {
		t.Fatalf("message %+v", m)
	}
}

// Meta fails an accepted attempt with its own trouble and reports it delivered too (the
// customer has several devices: one got it), both before the conversation flushes — in one
// webhook, or back to back. A delivery outranks the failure whatever the order: the message
// shows it delivered. A failure that comes after the delivery did not fail the message, so
// the sender hears nothing of it; one that came first is handed over with the delivery, and
// the resend decision, asking the conversation, sends nothing (TestDeliveryOfAFailedAttemptWithdrawsItsResend).
func TestAFailureAfterADeliveryAsksForNoResend(t *testing.T) {
	failed := StatusUpdate{WAMID: "W1", Status: StatusFailed, Timestamp: t0, CallbackData: "m1",
		Error: &MessageError{Code: 131000}, Retryable: true}
	delivered := StatusUpdate{WAMID: "W1", Status: StatusDelivered, Timestamp: t0.Add(time.Second), CallbackData: "m1"}
	for _, tc := range []struct {
		order []StatusUpdate
		retry bool
	}{{[]StatusUpdate{failed, delivered}, true}, {[]StatusUpdate{delivered, failed}, false}} {
		c := newTestConversation()
		c.addOutbound(outboundText("m1"), t0)
		c.outboundResult(&OutboundResult{MessageID: "m1", WAMID: "W1", Status: StatusSent, At: t0}, t0)
		c.takeEvidence()
		for _, st := range tc.order {
			c.applyStatus(st)
		}
		name := tc.order[0].Status + " then " + tc.order[1].Status
		ev := c.takeEvidence()
		if retry := slices.ContainsFunc(ev, func(e OutboundEvidence) bool { return e.Retry != nil }); retry != tc.retry {
			t.Fatalf("%s: evidence %+v, want a retryable failure %v", name, ev, tc.retry)
		}
		if v := c.outboundView("m1"); v.Status != StatusDelivered || v.WAMID != "W1" {
			t.Fatalf("%s: view %+v", name, v)
		}
	}
}

// Meta fails an accepted attempt with its own trouble and then reports it delivered (another
// device got it) while the resend decision waits (here: the outbox cannot be read a while; a
// decision also waits while the sent outcome is still being written, or the row is busy).
// The customer has the message: the decision, asking the conversation, sends nothing, and
// the message stays delivered with that wamid.
func TestNoResendOfAFailureDeliveredBeforeTheDecision(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	id := "resend-delivered-" + tenant
	first := r.sentOnce(t, tenant, id).WAMID
	const outage = 4 * sharedBusyRetry
	r.outage.refuseWrites("read:"+id, outage) // the decision tries again every sharedBusyRetry
	r.failedStatus(t, tenant, id, first, 131000, true)
	r.status(t, tenant, id, first, StatusDelivered)
	// The outage, then the first resend's wait (at most a second), and some slack.
	time.Sleep(outage + time.Second + 3*sharedBusyRetry)
	if n, _ := r.graph.sends(id); n != 1 {
		t.Fatalf("a message delivered as well as failed went out %d times, want 1", n)
	}
	if row := r.row(t, id); row.State != persistence.OutboxSent || row.WAMID != first || len(row.Retracted) != 0 {
		t.Fatalf("row %+v, want sent as %s with nothing retracted", row, first)
	}
	if m := r.message(t, tenant, id); m.Status != StatusDelivered || m.WAMID != first {
		t.Fatalf("message %+v, want delivered as %s", m, first)
	}
}
