package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
)

// messageDetailView is GET /messages/:conversationId/:messageId's data.
type messageDetailView struct {
	Message struct {
		messageView
		ConversationID string
	}
	Delivery *struct {
		State         string
		Attempts      int
		NextAttemptAt *time.Time
		LastError     *struct {
			Code  int
			Title string
		}
	}
}

func (r *metaRig) getMessage(t *testing.T, token, conv, id string) (messageDetailView, int, string) {
	t.Helper()
	res := r.Get("/api/v1/messages/"+conv+"/"+id, token)
	var v messageDetailView
	if res.Status == 200 {
		res.Data(t, &v)
	}
	return v, res.Status, res.Code()
}

// A client polling one message (Twilio's "fetch a message") sees why it is still queued —
// Meta's last error, the attempts and when the next one is due — then the send settled; it
// finds the message by the id the send answered or by its wamid. Inbound messages have no
// delivery; another tenant's agent and an unknown id get 404.
func stepGetMessage(t *testing.T, r *metaRig) {
	conv := actors.ConversationID(r.tenantA, userWaID)
	// Meta in trouble twice: retried after ~1 s and ~2 s (jittered), seconds in which the
	// message is queued with Meta's error — far more than a poll every 10 ms needs to see it.
	r.meta.FailNext(phoneA, 131000, 2)
	q := r.send(t, r.agent, conv, "Your order is on its way")

	var v messageDetailView
	eventually(t, 30*time.Second, func() bool {
		v, _, _ = r.getMessage(t, r.agent, conv, q.ID)
		return v.Delivery != nil && v.Delivery.Attempts >= 1 && v.Delivery.State == "queued"
	}, func() string { return fmt.Sprintf("never seen waiting for a retry: %+v", v) })
	if v.Message.ID != q.ID || v.Message.ConversationID != conv || v.Message.Direction != "outbound" || v.Message.Status != "queued" {
		t.Fatalf("message %+v", v.Message)
	}
	if d := v.Delivery; d.LastError == nil || d.LastError.Code != 131000 || d.NextAttemptAt == nil {
		t.Fatalf("waiting for a retry, shown as %+v", *d)
	}
	eventually(t, 30*time.Second, func() bool {
		v, _, _ = r.getMessage(t, r.agent, conv, q.ID)
		return v.Delivery != nil && v.Delivery.State == "sent" && within(v.Message.Status, "sent", "delivered", "read")
	}, func() string { return fmt.Sprintf("never sent: %+v %+v", v.Message, v.Delivery) })
	if d := v.Delivery; d.Attempts != 3 || d.LastError != nil || d.NextAttemptAt != nil || v.Message.WAMID == "" {
		t.Fatalf("sent on the third attempt, shown as %+v (wamid %q)", *d, v.Message.WAMID)
	}
	if n := sentTimes(r.meta, phoneA)[q.ID]; n != 1 {
		t.Fatalf("fakemeta accepted %s %d times", q.ID, n)
	}

	byWAMID, status, _ := r.getMessage(t, r.admin, conv, v.Message.WAMID)
	if status != 200 || byWAMID.Message.ID != q.ID {
		t.Fatalf("by wamid %s: %d %+v", v.Message.WAMID, status, byWAMID.Message)
	}
	page := messages(t, r.Node, r.agent, conv)
	var in messageView
	for _, m := range page {
		if m.Direction == "inbound" {
			in = m
		}
	}
	got, status, _ := r.getMessage(t, r.agent, conv, in.ID)
	if status != 200 || got.Message.ID != in.ID || got.Message.Direction != "inbound" || got.Delivery != nil {
		t.Fatalf("inbound %s: %d %+v", in.ID, status, got)
	}

	agentB := r.Login("agent-b@example.com", "Agent-B@123456") // registered by stepRefusals
	for _, tc := range []struct{ name, token, id string }{
		{"unknown id", r.agent, "no-such-message"},
		{"an id too long to be one", r.agent, strings.Repeat("x", 300)},
		{"another tenant's agent", agentB, q.ID},
	} {
		if _, status, code := r.getMessage(t, tc.token, conv, tc.id); status != 404 || code != "not_found" {
			t.Errorf("%s: %d %s", tc.name, status, code)
		}
	}
}
