package actors

import (
	"fmt"
	"testing"
	"time"
)

// heldShape is a status of the fixtures' shape, pricing and all, for wamid i.
func heldShape(i int, status string, at time.Time) StatusUpdate {
	st := StatusUpdate{WAMID: fmt.Sprintf("wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ1MEZDMkM2RjlBQzFFOTdBRUYy%04d", i), Status: status, Timestamp: at}
	if status != StatusRead {
		st.Pricing = &Pricing{Billable: false, Model: "PMP", Type: "free_customer_service", Category: "service"}
	}
	return st
}

func snapshotSize(t *testing.T, c *conversation) int {
	t.Helper()
	b, err := marshal(c.s)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// Statuses of wamids the conversation does not know and that name none of our ids (a
// coexistence number's own replies, another app on the same WABA) were held for good, up
// to 512 wamids, in the snapshot every flush rewrites: ~370 KB per later write of the
// conversation (reviewer B, finding 6). They go after a few minutes now; one whose send's
// answer comes within them is still applied.
func TestForeignHeldStatusesExpire(t *testing.T) {
	c := newTestConversation()
	c.addOutbound(outboundText("m1"), t0)
	at := t0
	for i := range 600 {
		at = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		d := &Deliver{Statuses: []StatusUpdate{heldShape(i, StatusSent, at), heldShape(i, StatusDelivered, at), heldShape(i, StatusRead, at)}}
		if _, err := c.deliver(d, at); err != nil {
			t.Fatal(err)
		}
	}
	// A status without callback data that beat its send's answer by a few minutes.
	early := StatusUpdate{WAMID: "wamid.m1", Status: StatusDelivered, Timestamp: at}
	if _, err := c.deliver(&Deliver{Statuses: []StatusUpdate{early}}, at); err != nil {
		t.Fatal(err)
	}
	before, held := snapshotSize(t, c), len(c.s.Held)
	if _, err := c.outboundResult(&OutboundResult{MessageID: "m1", WAMID: "wamid.m1", Status: StatusSent, At: at.Add(4 * time.Minute)}, at.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if v := statusOf(t, c, "m1"); v.Status != StatusDelivered {
		t.Fatalf("the status held for the send's answer: %s, want delivered", v.Status)
	}
	later := at.Add(11 * time.Minute)
	if _, err := c.deliver(&Deliver{Statuses: []StatusUpdate{heldShape(9999, StatusSent, later)}}, later); err != nil {
		t.Fatal(err)
	}
	after := snapshotSize(t, c)
	t.Logf("held wamids %d, snapshot %d bytes; 11 min later: held %d, snapshot %d bytes", held, before, len(c.s.Held), after)
	if held != maxHeldWAMIDs || len(c.s.Held) != 1 || len(c.s.HeldOrder) != 1 || after > before/50 {
		t.Fatalf("held %d then %d (order %d), snapshot %d then %d bytes: want the old ones gone", held, len(c.s.Held), len(c.s.HeldOrder), before, after)
	}
}

// A status naming one of our ids that the conversation holds (the processor placed it
// here: the record a crash lost) waits much longer than another app's: the sender restores
// the record when its next activation reconciles, and a resend or a late answer may still
// come within the message's validity. It goes after heldOursLife.
func TestOurHeldStatusesOutliveForeignOnes(t *testing.T) {
	c := newTestConversation()
	c.heldOurs = heldOursLife(OutboundPolicy{Validity: 10 * time.Hour, ReconcileAfter: 2 * time.Minute})
	if c.heldOurs != heldOursFor {
		t.Fatalf("heldOursLife %v, want %v with the default policy", c.heldOurs, heldOursFor)
	}
	if got := heldOursLife(OutboundPolicy{Validity: 48 * time.Hour, ReconcileAfter: time.Hour}); got != 50*time.Hour {
		t.Fatalf("heldOursLife with a 48 h validity: %v", got)
	}
	for _, id := range []string{"m1", "m2"} {
		st := StatusUpdate{WAMID: "wamid." + id, Status: StatusDelivered, Timestamp: t0, CallbackData: id, Placed: true}
		if r, _ := c.deliver(&Deliver{Statuses: []StatusUpdate{st}}, t0); r.StatusesHeld != 1 {
			t.Fatalf("placed status of %s: %+v", id, r)
		}
	}
	hour := t0.Add(time.Hour)
	c.deliver(&Deliver{Statuses: []StatusUpdate{heldShape(1, StatusSent, hour)}}, hour)
	if len(c.s.Held) != 3 {
		t.Fatalf("held after an hour: %d, want ours kept", len(c.s.Held))
	}
	// The sender restores m1 after an hour: it adopts the held status.
	c.addOutbound(outboundText("m1"), hour)
	if v := statusOf(t, c, "m1"); v.Status != StatusDelivered || v.WAMID != "wamid.m1" {
		t.Fatalf("restored m1: %+v", v)
	}
	day := t0.Add(heldOursFor)
	c.deliver(&Deliver{}, day)
	if len(c.s.Held) != 0 || len(c.s.HeldAt) != 0 || len(c.s.HeldOrder) != 0 {
		t.Fatalf("held a day later: %v %v %v", c.s.Held, c.s.HeldAt, c.s.HeldOrder)
	}
}

// A status naming, as callback data, an id this conversation has no message for is ours
// in another conversation (the customer known by two keys), a record a crash lost, or
// another app's: the conversation neither holds nor applies it nor tells the sender, and
// answers it back for the processor to place by the outbox. Placed here, it is held and is
// evidence, as before.
func TestStatusOfAnotherConversationsMessageIsAnsweredBack(t *testing.T) {
	c := newTestConversation()
	c.addOutbound(outboundText("m1"), t0)
	failed := StatusUpdate{WAMID: "wamid.x", Status: StatusFailed, Timestamp: t0, CallbackData: "m9",
		Error: &MessageError{Code: MetaMarketingOptOut}, Retryable: false}
	d := &Deliver{Statuses: []StatusUpdate{{WAMID: "wamid.x", Status: StatusSent, Timestamp: t0, CallbackData: "m9"}, failed}}
	r, err := c.deliver(d, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unplaced) != 2 || r.StatusesHeld != 0 || r.StatusesApplied != 0 || len(c.s.Held) != 0 || len(c.takeEvidence()) != 0 {
		t.Fatalf("unplaced: %+v, held %v", r, c.s.Held)
	}
	if c.s.Summary.Contact.MarketingOptOut {
		t.Fatal("another conversation's failure opted this customer out")
	}
	for i := range d.Statuses {
		d.Statuses[i].Placed = true
	}
	if r, _ = c.deliver(d, t0); r.StatusesHeld != 2 || len(r.Unplaced) != 0 {
		t.Fatalf("placed: %+v", r)
	}
	if ev := c.takeEvidence(); len(ev) == 0 || ev[0].MessageID != "m9" {
		t.Fatalf("evidence of the placed status: %+v", ev)
	}
}
