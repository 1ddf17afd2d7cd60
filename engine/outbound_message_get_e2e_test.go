package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/fakemeta"
)

// messageDetailView is GET /messages/:conversationId/:messageId's data.
type messageDetailView struct {
	Message struct {
		messageView
		ConversationID string
		CreatedAt      time.Time
	}
	Delivery *struct {
		State         string
		Attempts      int
		NextAttemptAt *time.Time
		ExpiresAt     *time.Time
		LastError     *struct {
			Code           int
			Title, Details string
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
	r.meta.FailNext(phoneA, 131000, 2, fakemeta.To(userWaID))
	q := r.send(t, r.agent, conv, "Your order is on its way")

	var v messageDetailView
	eventually(t, 30*time.Second, func() bool {
		v, _, _ = r.getMessage(t, r.agent, conv, q.ID)
		return v.Delivery != nil && v.Delivery.Attempts >= 1 && v.Delivery.State == "queued"
	}, func() string { return fmt.Sprintf("never seen waiting for a retry: %+v", v) })
	if v.Message.ID != q.ID || v.Message.ConversationID != conv || v.Message.Direction != "outbound" || v.Message.Status != "queued" ||
		!v.Message.CreatedAt.Equal(q.CreatedAt) {
		t.Fatalf("message %+v (the 202 said created at %v)", v.Message, q.CreatedAt)
	}
	// Meta's whole error: its code, its title and its error_data.details (fakemeta's for 131000).
	if d := v.Delivery; d.LastError == nil || d.LastError.Code != 131000 || d.LastError.Title != "Something went wrong" ||
		d.LastError.Details != "Message failed to send due to an unknown error." || d.NextAttemptAt == nil {
		t.Fatalf("waiting for a retry, shown as %+v (last error %+v)", *d, d.LastError)
	}
	// Without a validFor of its own it may go out until OUTBOUND_VALIDITY (10 h) after its
	// acceptance, and says so (MongoDB keeps milliseconds).
	if d := v.Delivery; d.ExpiresAt == nil || d.ExpiresAt.Sub(q.CreatedAt.Add(10*time.Hour)).Abs() >= time.Millisecond {
		t.Fatalf("expiresAt %v, want 10 h after %v", d.ExpiresAt, q.CreatedAt)
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

	// A send Meta refuses for good shows why, in the message (as the conversation and its
	// events have it) and in its delivery (as the outbox row has it), details included.
	r.meta.FailNext(phoneA, 131026, 1, fakemeta.To(userWaID))
	failed := r.send(t, r.agent, conv, "This one cannot be delivered")
	eventually(t, 30*time.Second, func() bool {
		v, _, _ = r.getMessage(t, r.agent, conv, failed.ID)
		return v.Delivery != nil && v.Delivery.State == "failed" && v.Message.Status == "failed"
	}, func() string { return fmt.Sprintf("never failed: %+v %+v", v.Message, v.Delivery) })
	const title, details = "Message undeliverable", "Message Undeliverable."
	if e := v.Message.Error; e == nil || e.Code != 131026 || e.Title != title || e.Details != details {
		t.Fatalf("failed message shows error %+v", e)
	}
	if e := v.Delivery.LastError; e == nil || e.Code != 131026 || e.Title != title || e.Details != details {
		t.Fatalf("failed message's delivery shows error %+v", e)
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

// A message still queued — here behind one Meta keeps refusing for a few seconds — is
// canceled: the answer shows it canceled, a message.status event says so, and Meta never
// receives it, while the messages around it go. Too late (sent), inbound, unknown and
// another tenant's are refused.
func stepCancel(t *testing.T, r *metaRig) {
	conv := actors.ConversationID(r.tenantA, userWaID)
	sub := r.Engine.Events().Subscribe(r.tenantA, 0)
	defer sub.Close()
	r.meta.FailNext(phoneA, 131000, 2, fakemeta.To(userWaID)) // the first send is retried after ~1 s and ~2 s
	first := r.send(t, r.agent, conv, "First")
	second := r.send(t, r.agent, conv, "Second, which the agent takes back")
	third := r.send(t, r.agent, conv, "Third")

	res := r.Post("/api/v1/messages/"+conv+"/"+second.ID+"/cancel", r.agent, nil)
	if res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	var canceled messageDetailView
	res.Data(t, &canceled)
	if canceled.Message.ID != second.ID || canceled.Message.Status != "canceled" || canceled.Delivery == nil || canceled.Delivery.State != "canceled" {
		t.Fatalf("canceled: %+v %+v", canceled.Message, canceled.Delivery)
	}
	// message.status, or message.new when the record and the cancel shared a flush.
	messageEvents(t, sub, second.ID, func(e actors.MessageEvent) bool { return e.Message.Status == "canceled" })

	for _, id := range []string{first.ID, third.ID} {
		eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[id] == 1 },
			func() string { return id + " never reached Meta" })
	}
	if n := sentTimes(r.meta, phoneA)[second.ID]; n != 0 {
		t.Fatalf("the canceled message reached Meta %d times", n)
	}
	if v, status, _ := r.getMessage(t, r.agent, conv, second.ID); status != 200 || v.Message.Status != "canceled" || v.Delivery.State != "canceled" {
		t.Fatalf("canceled message now: %d %+v", status, v)
	}

	eventually(t, 30*time.Second, func() bool {
		v, _, _ := r.getMessage(t, r.agent, conv, first.ID)
		return v.Delivery != nil && v.Delivery.State == "sent"
	}, func() string { return "the first message never settled" })
	var inbound string
	for _, m := range messages(t, r.Node, r.agent, conv) {
		if m.Direction == "inbound" {
			inbound = m.ID
		}
	}
	agentB := r.Login("agent-b@example.com", "Agent-B@123456")
	for _, tc := range []struct {
		name, token, id string
		status          int
		code            string
	}{
		{"sent already", r.agent, first.ID, 409, "not_cancelable"},
		{"canceled already (a retry succeeds)", r.agent, second.ID, 200, ""},
		{"inbound", r.agent, inbound, 409, "not_cancelable"},
		{"unknown", r.agent, "no-such-message", 404, "not_found"},
		{"another tenant's agent", agentB, third.ID, 404, "not_found"},
	} {
		res := r.Post("/api/v1/messages/"+conv+"/"+tc.id+"/cancel", tc.token, nil)
		if res.Status != tc.status || res.Code() != tc.code {
			t.Errorf("%s: %d %s", tc.name, res.Status, res.Body)
		}
	}
}
