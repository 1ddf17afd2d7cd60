package actors

import (
	"slices"
	"testing"
	"time"
)

func outboundText(id string) Message {
	return Message{ID: id, Type: "text", Text: "hello", Timestamp: t0}
}

func statusOf(t *testing.T, c *conversation, id string) OutboundView {
	t.Helper()
	v := c.outboundView(id)
	if !v.Found {
		t.Fatalf("message %s not found", id)
	}
	return v
}

func TestStatusMatchedByCallbackDataBeforeTheSendAnswer(t *testing.T) {
	c := newTestConversation()
	c.addOutbound(outboundText("m1"), t0)
	// Meta's sent and delivered arrive before the engine learnt the wamid.
	for _, s := range []string{StatusSent, StatusDelivered} {
		out, err := c.applyStatus(StatusUpdate{WAMID: "wamid.A", Status: s, Timestamp: t0, CallbackData: "m1"})
		if err != nil || out != statusApplied {
			t.Fatalf("%s: %v %v", s, out, err)
		}
	}
	if v := statusOf(t, c, "m1"); v.WAMID != "wamid.A" || v.Status != StatusDelivered || !v.Reached() {
		t.Fatalf("after callback statuses: %+v", v)
	}
	if ev := c.takeEvidence(); len(ev) != 1 || ev[0] != (OutboundEvidence{MessageID: "m1", WAMID: "wamid.A"}) {
		t.Fatalf("evidence %+v", ev)
	}
	// The send answer comes last: it only confirms, never moves the status back.
	if resultApplied(c, &OutboundResult{MessageID: "m1", WAMID: "wamid.A", Status: StatusSent, At: t0}, t0) {
		t.Fatal("a late sent changed a delivered message")
	}
	if v := statusOf(t, c, "m1"); v.Status != StatusDelivered {
		t.Fatalf("status went back to %s", v.Status)
	}
	// A status of another wamid naming the same id is a second copy: not this message's.
	if out, _ := c.applyStatus(StatusUpdate{WAMID: "wamid.B", Status: StatusRead, Timestamp: t0, CallbackData: "m1"}); out != statusHeld {
		t.Fatalf("second copy's status: %v", out)
	}
	if v := statusOf(t, c, "m1"); v.WAMID != "wamid.A" || v.Status != StatusDelivered {
		t.Fatalf("second copy changed the message: %+v", v)
	}
}

func TestOutboundResultLifecycle(t *testing.T) {
	c := newTestConversation()
	c.addOutbound(outboundText("m1"), t0)
	// Held statuses (a wamid seen before the result) are applied when the result names it.
	c.applyStatus(StatusUpdate{WAMID: "wamid.A", Status: StatusRead, Timestamp: t0})
	if !resultApplied(c, &OutboundResult{MessageID: "m1", WAMID: "wamid.A", Status: StatusSent, At: t0}, t0) {
		t.Fatal("result changed nothing")
	}
	if v := statusOf(t, c, "m1"); v.Status != StatusRead {
		t.Fatalf("held read not applied: %+v", v)
	}
	if _, held := c.s.Held["wamid.A"]; held {
		t.Fatal("held statuses kept after release")
	}

	// unknown is superseded by any real status.
	c.addOutbound(outboundText("m2"), t0)
	resultApplied(c, &OutboundResult{MessageID: "m2", Status: StatusUnknown, At: t0}, t0)
	if v := statusOf(t, c, "m2"); v.Status != StatusUnknown || v.Reached() {
		t.Fatalf("unknown: %+v", v)
	}
	c.applyStatus(StatusUpdate{WAMID: "wamid.C", Status: StatusSent, Timestamp: t0, CallbackData: "m2"})
	if v := statusOf(t, c, "m2"); v.Status != StatusSent || v.WAMID != "wamid.C" {
		t.Fatalf("unknown then sent: %+v", v)
	}

	// A failure carries Meta's code and title.
	c.addOutbound(outboundText("m3"), t0)
	resultApplied(c, &OutboundResult{MessageID: "m3", Status: StatusFailed, At: t0, Error: &MessageError{Code: 131026, Title: "Message undeliverable"}}, t0)
	m, _ := c.log.at(c.log.count - 1)
	if m.Status != StatusFailed || m.Error == nil || m.Error.Code != 131026 || c.s.Summary.LastMessage.Status != StatusFailed {
		t.Fatalf("failed: %+v / last %+v", m, c.s.Summary.LastMessage)
	}
}

func TestOutboundResultRestoresALostMessage(t *testing.T) {
	c := newTestConversation()
	if resultApplied(c, &OutboundResult{MessageID: "m9", Status: StatusSent, WAMID: "wamid.Z"}, t0) {
		t.Fatal("a result without the message created one")
	}
	msg := outboundText("ignored")
	if !resultApplied(c, &OutboundResult{MessageID: "m9", Status: StatusSent, WAMID: "wamid.Z", At: t0, Message: &msg}, t0.Add(time.Second)) {
		t.Fatal("lost message not restored")
	}
	if v := statusOf(t, c, "m9"); v.Status != StatusSent || v.WAMID != "wamid.Z" || c.s.Summary.MessageCount != 1 {
		t.Fatalf("restored: %+v, count %d", v, c.s.Summary.MessageCount)
	}
}

func TestOutboundMessageFromRequest(t *testing.T) {
	m, err := OutboundMessage("m1", []byte(`{"messaging_product":"whatsapp","to":"+5511","type":"template","template":{"name":"order_shipped","language":{"code":"pt_BR"}},"context":{"message_id":"wamid.X"}}`), t0)
	if err != nil || m.Type != "template" || m.Text != "order_shipped (pt_BR)" || m.Context.ReplyTo != "wamid.X" ||
		string(m.Content) != `{"name":"order_shipped","language":{"code":"pt_BR"}}` || m.Status != StatusQueued || m.Direction != Outbound {
		t.Fatalf("%+v %v", m, err)
	}
	if _, err := OutboundMessage("m2", []byte("{"), t0); err == nil {
		t.Fatal("bad request accepted")
	}
}

// A crash can lose the conversation's write-behind record of a message that reached Meta.
// Meta's statuses for it (carrying our id as callback data) may then arrive before the
// restarted sender restores the record; they are held by wamid. They are evidence for the
// sender's reconciliation at once — pushed, and in the view its check asks for — because the
// restore may not come in time: a conversation that cannot write (a fence its killed writer
// left) loses every restore told to it. Restoring the message must still match them, its
// wamid and statuses, or the sender, finding no evidence, would send it a second time.
func TestRestoredMessageAdoptsStatusesHeldForItsCallbackData(t *testing.T) {
	c := newTestConversation()
	for _, s := range []string{StatusSent, StatusDelivered} {
		if out, _ := c.applyStatus(StatusUpdate{WAMID: "wamid.A", Status: s, Timestamp: t0, CallbackData: "m1", Placed: true}); out != statusHeld {
			t.Fatalf("%s for an unknown message: %v, want held", s, out)
		}
	}
	c.applyStatus(StatusUpdate{WAMID: "wamid.Z", Status: StatusSent, Timestamp: t0, CallbackData: "other", Placed: true})
	want := []OutboundEvidence{{MessageID: "m1", WAMID: "wamid.A"}, {MessageID: "other", WAMID: "wamid.Z"}}
	if ev := c.takeEvidence(); !slices.Equal(ev, want) {
		t.Fatalf("evidence of held statuses %+v, want %+v (once per wamid)", ev, want)
	}
	if v := c.outboundView("m1"); !v.Reached() || v.WAMID != "wamid.A" || v.Status != StatusDelivered {
		t.Fatalf("view of a message known only by its held statuses: %+v, want reached as wamid.A, delivered", v)
	}
	if v := c.outboundView("m9"); v.Reached() {
		t.Fatalf("view of a message nothing names: %+v", v)
	}
	m := outboundText("m1")
	if !resultApplied(c, &OutboundResult{MessageID: "m1", Status: StatusUnknown, At: t0, Message: &m}, t0) {
		t.Fatal("the restore changed nothing")
	}
	if v := statusOf(t, c, "m1"); v.WAMID != "wamid.A" || v.Status != StatusDelivered || !v.Reached() {
		t.Fatalf("restored message: %+v, want wamid.A delivered", v)
	}
	if ev := c.takeEvidence(); len(ev) != 1 || ev[0] != (OutboundEvidence{MessageID: "m1", WAMID: "wamid.A"}) {
		t.Fatalf("evidence %+v, want m1 reached Meta as wamid.A", ev)
	}
	if _, held := c.s.Held["wamid.A"]; held {
		t.Fatal("the adopted statuses are still held")
	}
	if _, held := c.s.Held["wamid.Z"]; !held {
		t.Fatal("another message's held status was dropped")
	}
}

// What the sender's reconciliation counts as evidence that Meta accepted a message.
func TestOutboundViewReached(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    OutboundView
		want bool
	}{
		{"not in the conversation", OutboundView{}, false},
		{"queued", OutboundView{Found: true, Status: StatusQueued}, false},
		{"unknown", OutboundView{Found: true, Status: StatusUnknown}, false},
		{"sent with a wamid", OutboundView{Found: true, Status: StatusSent, WAMID: "wamid.A"}, true},
		{"a status reported by Meta", OutboundView{Found: true, Status: StatusDelivered}, true},
		{"failed by a status webhook (has a wamid)", OutboundView{Found: true, Status: StatusFailed, WAMID: "wamid.A"}, true},
		{"refused by Meta's answer (no wamid)", OutboundView{Found: true, Status: StatusFailed}, false},
	} {
		if got := tc.v.Reached(); got != tc.want {
			t.Errorf("%s: Reached() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// resultApplied is outboundResult for tests whose buckets are all in memory (no read fails).
func resultApplied(c *conversation, r *OutboundResult, now time.Time) bool {
	changed, err := c.outboundResult(r, now)
	if err != nil {
		panic(err)
	}
	return changed
}

// The send's answer names the customer's wa_id as Meta normalised it: the contact learns it
// with the outcome, by the contact's rule — the same line in another form, never another
// number — and a repeat changes nothing.
func TestOutboundResultTeachesMetasWaID(t *testing.T) {
	c := newTestConversation()
	c.s.Summary.Contact.WaID = "5511987654321"
	c.addOutbound(outboundText("m1"), t0)
	c.addOutbound(outboundText("m2"), t0)
	if !resultApplied(c, &OutboundResult{MessageID: "m1", WAMID: "wamid.A", WaID: "551187654321", Status: StatusSent, At: t0}, t0) ||
		c.s.Summary.Contact.WaID != "551187654321" {
		t.Fatalf("contact %+v, want Meta's form of the number", c.s.Summary.Contact)
	}
	if resultApplied(c, &OutboundResult{MessageID: "m1", WAMID: "wamid.A", WaID: "551187654321", Status: StatusSent, At: t0}, t0) {
		t.Fatal("a repeated result changed the conversation")
	}
	resultApplied(c, &OutboundResult{MessageID: "m2", WAMID: "wamid.B", WaID: "5511900000000", Status: StatusSent, At: t0}, t0)
	if c.s.Summary.Contact.WaID != "551187654321" {
		t.Fatalf("contact %+v: another number replaced it", c.s.Summary.Contact)
	}
}
