package webhook

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
)

// A status names our message by its callback data (our id), and its recipient by wa_id: a
// customer the business first answered under their business-scoped user id, in the
// conversation keyed by it, is routed by number once their number is known (the wa_id
// beside the user id, a learned alias, contacts[].wa_id). The status must reach the
// conversation holding the message, by its outbox row. Before, the phone-keyed
// conversation held it for good (the message stayed sent, no delivered, no read, no
// failure) and came into being empty in the inbox. A status whose callback data is not one
// of ours (another app on the same WABA sets its own) makes no conversation; one of ours
// whose record the routed conversation lost (a crash) is held there, as before.
func TestStatusReachesTheConversationHoldingItsMessage(t *testing.T) {
	r := startWedgeRig(t)
	const tenant, number = "cccccccccccccccccccccccc", "333"
	if err := r.store.Directory().CreateTenant(t.Context(), wabaTenant(tenant, number, "", true)); err != nil {
		t.Fatal(err)
	}
	r.p.Start()
	ctx := t.Context()
	gen := ids.NewGenerator()
	const bsuid, phone = "BR.77778888999900001111", "5511933330000"
	ours, lost, unknown := gen.New(), gen.New(), gen.New()
	row := func(id, key, wamid string) {
		t.Helper()
		now := time.Now().UTC()
		if err := r.store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{{ID: id, TenantID: tenant,
			ConversationID: actors.ConversationID(tenant, key), PhoneNumberID: number, Recipient: key,
			State: persistence.OutboxQueued, CreatedAt: now, UpdatedAt: now}}); err != nil {
			t.Fatal(err)
		}
		q, err := r.store.Outbox().Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// Settled: no sender of this rig sends it.
		q.State, q.WAMID, q.Attempts = persistence.OutboxSent, wamid, 1
		if err := r.store.Outbox().Transition(ctx, persistence.OutboxQueued, q); err != nil {
			t.Fatal(err)
		}
	}
	row(ours, bsuid, "wamid.ours")
	row(lost, "5511922220000", "wamid.lost") // its record never reached the conversation
	if _, err := r.client.RecordOutbound(ctx, tenant, bsuid, actors.Message{ID: ours, Type: "text", Text: "first reply",
		Timestamp: time.Now()}); err != nil {
		t.Fatal(err)
	}

	status := func(wamid, st, waID, userID, callback string) string {
		s := `{"id":"` + wamid + `","status":"` + st + `","timestamp":"1767225700"`
		if waID != "" {
			s += `,"recipient_id":"` + waID + `"`
		}
		if userID != "" {
			s += `,"recipient_user_id":"` + userID + `"`
		}
		if callback != "" {
			s += `,"biz_opaque_callback_data":"` + callback + `"`
		}
		return s + "}"
	}
	post := func(contacts string, statuses ...string) {
		t.Helper()
		r.seq++
		body := `{"object":"whatsapp_business_account","entry":[{"id":"w1","changes":[{"field":"messages","value":{` +
			`"messaging_product":"whatsapp","metadata":{"phone_number_id":"` + number + `"}` + contacts + `,"statuses":[`
		for i, s := range statuses {
			if i > 0 {
				body += ","
			}
			body += s
		}
		body += `]}}]}]}`
		e := persistence.InboxEntry{ID: fmt.Sprintf("e%08d", r.seq), ReceivedAt: time.Now().UTC(), Body: []byte(body)}
		announced := r.p.Expect(e.ID)
		r.append(t, e)
		r.p.Submit(e, announced)
		if !waitFor(30*time.Second, func() bool { return pendingCount(t, r.store) == 0 }) {
			t.Fatalf("entry %s never processed", e.ID)
		}
	}
	// By wa_id, then by the user id beside the wa_id in contacts[] (Meta's 2026 shape).
	post("", status("wamid.ours", "sent", phone, "", ours), status("wamid.ours", "delivered", phone, "", ours))
	post(`,"contacts":[{"profile":{"name":"Duda"},"wa_id":"`+phone+`","user_id":"`+bsuid+`"}]`,
		status("wamid.ours", "read", "", bsuid, ours))
	// Another app's callback data, in its shape and in ours; and one of ours whose record the
	// routed conversation lost.
	post("", status("wamid.foreign1", "sent", "5511911110001", "", "campaign-42:1"),
		status("wamid.foreign2", "sent", "5511911110002", "", unknown),
		status("wamid.lost", "delivered", "5511922220000", "", lost))

	m, err := r.client.Message(ctx, tenant, bsuid, ours)
	if err != nil || !m.Found {
		t.Fatalf("message %s: %+v %v", ours, m, err)
	}
	if m.Message.Status != actors.StatusRead || m.Message.WAMID != "wamid.ours" || len(m.Message.StatusTimestamps) < 3 {
		t.Fatalf("the message in the BSUID conversation: status %s wamid %s timestamps %v, want read with sent, delivered, read",
			m.Message.Status, m.Message.WAMID, m.Message.StatusTimestamps)
	}
	for _, key := range []string{phone, "5511911110001", "5511911110002"} {
		if sum, err := r.client.Conversation(ctx, tenant, key); !errors.Is(err, actors.ErrNotFound) {
			t.Errorf("conversation %s came into being from statuses of no message of its own: %+v %v", key, sum, err)
		}
	}
	sum, err := r.client.Conversation(ctx, tenant, "5511922220000")
	if err != nil || sum.MessageCount != 0 {
		t.Fatalf("the conversation whose record of %s was lost does not hold its status: %+v %v", lost, sum, err)
	}
	inbox, err := r.client.Conversations(ctx, tenant, &actors.QueryConversations{Page: 1, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range inbox.Items {
		if s.MessageCount == 0 && s.LastActivityAt.IsZero() {
			t.Errorf("the inbox lists %s, with no message and no activity", s.ID)
		}
	}
}
