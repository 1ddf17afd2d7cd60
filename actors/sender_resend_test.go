package actors

import (
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// failedStatus delivers Meta's failed status for one attempt of message id.
func (r *senderRig) failedStatus(t *testing.T, tenantID, id, wamid string, code int, retryable bool) {
	t.Helper()
	_, err := r.client.Deliver(t.Context(), customer, &Deliver{TenantID: tenantID, Contact: Contact{WaID: customer},
		Statuses: []StatusUpdate{{WAMID: wamid, Status: StatusFailed, Timestamp: time.Now(), CallbackData: id,
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

	// Queued again, and waiting its backoff (half a second at least): a late status of the
	// failed attempt must not make it that attempt again.
	waitFor(t, "the message queued again", func() bool {
		m := r.message(t, tenant, retried)
		return m.Status == StatusQueued && m.WAMID == "" && slices.Equal(m.RetractedWAMIDs, []string{first})
	})
	r.status(t, tenant, retried, first, StatusDelivered)
	if m := r.message(t, tenant, retried); m.WAMID != "" || m.Status != StatusQueued {
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

	// The failed attempt's statuses arrive again, late: nothing changes, nothing is sent.
	r.failedStatus(t, tenant, retried, first, 131000, true)
	r.status(t, tenant, retried, first, StatusDelivered)
	r.status(t, tenant, retried, row.WAMID, StatusDelivered)
	waitFor(t, "the second attempt delivered", func() bool { return r.message(t, tenant, retried).Status == StatusDelivered })
	time.Sleep(3 * busyRetry / 2) // a resend would have started by now
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
		name   string
		row    persistence.OutboxMessage
		tenant string
		sendBy time.Time
		ok     bool
		why    string
	}{
		{name: "the attempt Meta failed: queued again", row: sent, tenant: "t1", ok: true},
		{name: "within its validity", row: sent, tenant: "t1", sendBy: now.Add(time.Second), ok: true},
		{name: "another tenant's row", row: sent, tenant: "t2"},
		{name: "already queued again for this failure", row: requeued, tenant: "t1", ok: true},
		{name: "another attempt's wamid", row: with(func(r *persistence.OutboxMessage) { r.WAMID = "wamid.B" }), tenant: "t1"},
		{name: "not sent (failed by Meta's answer)", row: with(func(r *persistence.OutboxMessage) { r.State = persistence.OutboxFailed }), tenant: "t1"},
		{name: "fifth attempt failed: attempts used up", row: with(func(r *persistence.OutboxMessage) { r.Retracted = []string{"w1", "w2", "w3", "w4"} }), tenant: "t1", why: "attempts used up"},
		{name: "past its validity", row: sent, tenant: "t1", sendBy: now, why: "past its validity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			again, ok, why := resendOf(tc.row, ev, tc.tenant, 5, tc.sendBy, now)
			if ok != tc.ok || why != tc.why {
				t.Fatalf("resendOf = %v %q, want %v %q", ok, why, tc.ok, tc.why)
			}
			if !ok || tc.row.State != persistence.OutboxSent {
				return
			}
			if again.State != persistence.OutboxQueued || again.WAMID != "" || !slices.Contains(again.Retracted, "wamid.A") ||
				again.ErrorCode != 131000 || again.NextAttemptAt.Before(now.Add(transientBase/2)) || again.NextAttemptAt.After(now.Add(transientBase)) {
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
