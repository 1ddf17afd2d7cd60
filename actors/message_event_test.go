package actors

import (
	"testing"
	"time"
)

// Every change a flush stores becomes one event: new messages as message.new, later
// changes (a send's outcome, Meta's statuses) as message.status with the whole record, in
// log order; an unchanged conversation announces nothing, a duplicate nothing new.
func TestTakeChangedAnnouncesEachStoredChangeOnce(t *testing.T) {
	c := newTestConversation()
	d := &Deliver{Contact: Contact{WaID: "5511987654321"}, Messages: []Message{inbound("w1", t0)}}
	if _, err := c.deliver(d, t0); err != nil {
		t.Fatal(err)
	}
	c.addOutbound(Message{ID: "o1", Type: "text", Text: "Seu pedido saiu", Timestamp: t0}, t0)

	type want struct{ typ, id, status string }
	check := func(step string, got []MessageEvent, w ...want) {
		t.Helper()
		if len(got) != len(w) {
			t.Fatalf("%s: %d events %+v, want %d", step, len(got), got, len(w))
		}
		for i, e := range got {
			if e.Type != w[i].typ || e.Message.ID != w[i].id || e.Message.Status != w[i].status || e.ConversationID != "t_1" || e.TenantID != "t" {
				t.Fatalf("%s: event %d = %s %s %s (%s/%s), want %+v", step, i, e.Type, e.Message.ID, e.Message.Status, e.TenantID, e.ConversationID, w[i])
			}
		}
	}
	check("first flush", c.log.takeChanged("t", "t_1"),
		want{EventMessageNew, "w1", StatusReceived}, want{EventMessageNew, "o1", StatusQueued})
	check("nothing changed", c.log.takeChanged("t", "t_1"))

	resultApplied(c, &OutboundResult{MessageID: "o1", WAMID: "wamid.o1", Status: StatusSent, At: t0.Add(time.Second)}, t0)
	if _, err := c.deliver(d, t0); err != nil { // Meta retrying w1: a duplicate
		t.Fatal(err)
	}
	check("sent", c.log.takeChanged("t", "t_1"), want{EventMessageStatus, "o1", StatusSent})

	fail := &Deliver{Statuses: []StatusUpdate{{WAMID: "wamid.o1", Status: StatusFailed, Timestamp: t0.Add(2 * time.Second),
		Error: &MessageError{Code: 131047, Title: "Re-engagement message"}}}}
	if _, err := c.deliver(fail, t0); err != nil {
		t.Fatal(err)
	}
	got := c.log.takeChanged("t", "t_1")
	check("failed", got, want{EventMessageStatus, "o1", StatusFailed})
	if got[0].Message.Error == nil || got[0].Message.Error.Code != 131047 || got[0].Message.WAMID != "wamid.o1" {
		t.Fatalf("failed event carries %+v", got[0].Message)
	}
}
