package engine_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// Media goes out as Meta's media objects — by link with a caption, by uploaded id with a
// document's file name — and the conversation shows each with its content and a preview.
func stepMedia(t *testing.T, r *metaRig) {
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511900000987")
	r.sendThrough(t, conv, "/api/v1/messages/send-media",
		map[string]any{"conversationId": conv, "type": "image", "link": "https://cdn.example.com/comprovante.jpg", "caption": "Comprovante"},
		"image", "Comprovante", func(m map[string]any) bool {
			img, _ := m["image"].(map[string]any)
			return img["link"] == "https://cdn.example.com/comprovante.jpg" && img["caption"] == "Comprovante" && img["id"] == nil
		})
	r.sendThrough(t, conv, "/api/v1/messages/send-media",
		map[string]any{"conversationId": conv, "type": "document", "mediaId": "1013859600285441", "filename": "nota-fiscal.pdf"},
		"document", "nota-fiscal.pdf", func(m map[string]any) bool {
			doc, _ := m["document"].(map[string]any)
			return doc["id"] == "1013859600285441" && doc["filename"] == "nota-fiscal.pdf"
		})
	id := r.sendThrough(t, conv, "/api/v1/messages/send-media",
		map[string]any{"conversationId": conv, "type": "sticker", "mediaId": "2013859600285441", "validFor": 600},
		"sticker", "[sticker]", func(m map[string]any) bool { return m["sticker"] != nil })
	// validFor became the row's own expiry.
	row, err := r.Engine.Store().Outbox().Get(t.Context(), id)
	if err != nil || row.ExpiresAt.Sub(row.CreatedAt).Round(time.Second) != 10*time.Minute {
		t.Fatalf("outbox row %+v, %v: want it to expire 600 s after acceptance", row, err)
	}
}

// Reply buttons and a list go out as Meta's interactive objects, and a reaction lands on
// the customer's message; the conversation shows each with its preview.
func stepInteractive(t *testing.T, r *metaRig) {
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511900000741")
	var wamid string
	for _, m := range messages(t, r.Node, r.agent, conv) {
		if m.Direction == "inbound" {
			wamid = m.WAMID
		}
	}
	if wamid == "" {
		t.Fatal("the customer's message has no wamid")
	}
	// Types in any case are taken and go out as Meta takes them, lowercase: Meta refuses a
	// "REPLY" button (and our 400 said "must be one of {REPLY} - got \"REPLY\"").
	buttons := map[string]any{"type": "Button", "body": map[string]any{"text": "Confirma a entrega amanhã?"},
		"action": map[string]any{"buttons": []map[string]any{
			{"type": "REPLY", "reply": map[string]any{"id": "yes", "title": "Sim"}},
			{"type": "Reply", "reply": map[string]any{"id": "no", "title": "Não, remarcar"}}}}}
	r.sendThrough(t, conv, "/api/v1/messages/send-interactive", map[string]any{"conversationId": conv, "interactive": buttons},
		"interactive", "Confirma a entrega amanhã?", func(m map[string]any) bool {
			in, _ := m["interactive"].(map[string]any)
			action, _ := in["action"].(map[string]any)
			bs, _ := action["buttons"].([]any)
			for _, b := range bs {
				if b, _ := b.(map[string]any); b["type"] != "reply" {
					return false
				}
			}
			return in["type"] == "button" && len(bs) == 2
		})
	list := map[string]any{"type": "list", "header": map[string]any{"type": "TEXT", "text": "Horários"},
		"body": map[string]any{"text": "Escolha um horário"}, "footer": map[string]any{"text": "Sábado"},
		"action": map[string]any{"button": "Ver horários", "sections": []map[string]any{
			{"title": "Manhã", "rows": []map[string]any{{"id": "slot_sat_10", "title": "Sábado 10h", "description": "Janela 10h–12h"}}},
			{"title": "Tarde", "rows": []map[string]any{{"id": "slot_sat_14", "title": "Sábado 14h"}}}}}}
	r.sendThrough(t, conv, "/api/v1/messages/send-interactive", map[string]any{"conversationId": conv, "interactive": list},
		"interactive", "Escolha um horário", func(m map[string]any) bool {
			in, _ := m["interactive"].(map[string]any)
			header, _ := in["header"].(map[string]any)
			return in["type"] == "list" && header["type"] == "text"
		})
	r.sendThrough(t, conv, "/api/v1/messages/send-reaction", map[string]any{"conversationId": conv, "messageId": wamid, "emoji": "👍"},
		"reaction", "👍", func(m map[string]any) bool {
			re, _ := m["reaction"].(map[string]any)
			return re["message_id"] == wamid && re["emoji"] == "👍"
		})

	// A reaction names a message of its own conversation: another conversation's wamid (here
	// another customer's of the same tenant; another tenant's is the same case) or one no
	// conversation has is refused, naming messageId, and nothing reaches Meta.
	_, otherWAMID := r.customerSays(t, r.tenantA, phoneA, "5511900000742")
	before := r.meta.Stats().Numbers[phoneA].Requests
	for _, tc := range []struct{ name, messageID string }{
		{"another conversation's message", otherWAMID},
		{"a message no conversation has", "wamid.HBgNNTUxMTkwMDAwMDc0MRUCABIYFjNFQjBDNzE2Nzk5OTk5OTk5OTk5AA=="},
	} {
		res := r.Post("/api/v1/messages/send-reaction", r.agent, map[string]any{"conversationId": conv, "messageId": tc.messageID, "emoji": "👍"})
		if res.Status != 400 || res.Code() != "validation_failed" || len(res.Envelope.Error.Details) != 1 || res.Envelope.Error.Details[0].Field != "messageId" {
			t.Fatalf("reaction to %s: %d %s", tc.name, res.Status, res.Body)
		}
	}
	if st := r.meta.Stats().Numbers[phoneA]; st.Requests != before {
		t.Fatalf("refused reactions reached Meta: %d requests, %d before", st.Requests, before)
	}
	stepReplyContext(t, r, conv, wamid, otherWAMID)
}

// stepReplyContext: a reply quotes a message of its own conversation, as a reaction names
// one: the customer's message is quoted at Meta, and another conversation's wamid (another
// tenant's is the same case) or one no conversation has is refused on every send that takes
// replyTo, naming it, and nothing reaches Meta.
func stepReplyContext(t *testing.T, r *metaRig, conv, wamid, otherWAMID string) {
	r.sendThrough(t, conv, "/api/v1/messages/send-media", map[string]any{"conversationId": conv, "type": "image", "link": "https://cdn.example.com/r.jpg", "caption": "Respondendo", "replyTo": wamid},
		"image", "Respondendo", func(m map[string]any) bool {
			ctx, _ := m["context"].(map[string]any)
			return ctx["message_id"] == wamid
		})
	buttons := map[string]any{"type": "button", "body": map[string]any{"text": "Sim?"},
		"action": map[string]any{"buttons": []map[string]any{{"type": "reply", "reply": map[string]any{"id": "yes", "title": "Sim"}}}}}
	before := r.meta.Stats().Numbers[phoneA].Requests
	for _, target := range []string{otherWAMID, "wamid.HBgNNTUxMTkwMDAwMDc0MRUCABIYFjNFQjBDNzE2Nzk5OTk5OTk5OTk5AA=="} {
		for path, body := range map[string]map[string]any{
			"/api/v1/messages/send":             {"conversationId": conv, "body": "oi", "replyTo": target},
			"/api/v1/messages/send-media":       {"conversationId": conv, "type": "image", "link": "https://cdn.example.com/a.jpg", "replyTo": target},
			"/api/v1/messages/send-interactive": {"conversationId": conv, "interactive": buttons, "replyTo": target},
		} {
			res := r.Post(path, r.agent, body)
			if res.Status != 400 || res.Code() != "validation_failed" || len(res.Envelope.Error.Details) != 1 || res.Envelope.Error.Details[0].Field != "replyTo" {
				t.Fatalf("%s replying to %s: %d %s", path, target, res.Status, res.Body)
			}
		}
	}
	if st := r.meta.Stats().Numbers[phoneA]; st.Requests != before {
		t.Fatalf("refused replies reached Meta: %d requests, %d before", st.Requests, before)
	}
}

// sendThrough posts a send, and checks that Meta received it once with the type wantType and
// a body check accepts, and that the conversation shows it sent with its preview; it returns
// the message's id.
func (r *metaRig) sendThrough(t *testing.T, conv, path string, body map[string]any, wantType, preview string, check func(map[string]any) bool) string {
	t.Helper()
	res := r.Post(path, r.agent, body)
	if res.Status != 202 {
		t.Fatalf("%s: %d %s", path, res.Status, res.Body)
	}
	var d struct{ Message queuedView }
	res.Data(t, &d)
	if d.Message.Type != wantType || d.Message.Text != preview {
		t.Fatalf("%s: queued %+v", path, d.Message)
	}
	var sent map[string]any
	eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[d.Message.ID] == 1 },
		func() string { return path + " never reached Meta" })
	for _, s := range r.meta.Sent(phoneA) {
		if s.BizOpaqueCallbackData == d.Message.ID {
			if err := json.Unmarshal(s.Body, &sent); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sent["type"] != wantType || !check(sent) {
		t.Fatalf("%s: Meta received %v", path, sent)
	}
	var m messageView
	eventually(t, 30*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, conv, d.Message.ID)
		return within(m.Status, "sent", "delivered", "read")
	}, func() string { return fmt.Sprintf("%s in the conversation: %+v", path, m) })
	if m.Type != wantType || m.Text != preview || len(m.Content) == 0 {
		t.Fatalf("%s in the conversation: %+v (content %s)", path, m, m.Content)
	}
	return d.Message.ID
}
