package engine_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

// changedNumberNotice is Meta's user_changed_number system message (WHATSAPP.md §1.5 (11)),
// posted in the old number's conversation at ts.
func changedNumberNotice(oldWaID, newWaID, wamid string, ts int64) []byte {
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"104996122399160","changes":[{"value":{"messaging_product":"whatsapp",`+
		`"metadata":{"display_phone_number":"15550123456","phone_number_id":"109881335267193"},"messages":[{"from":%q,"id":%q,"timestamp":"%d",`+
		`"type":"system","system":{"body":"User changed from %s to %s","wa_id":%q,"type":"user_changed_number"}}]},"field":"messages"}]}]}`,
		oldWaID, wamid, ts, oldWaID, newWaID, newWaID)
}

// A customer who changed number no longer has the old one (Meta may give it to someone else),
// so the engine sends nothing more to it: every kind of send into the old conversation is a
// 409 number_changed naming the conversation the customer continued in, messages still
// queued to the old number fail unsent, and only the customer writing from the old number
// again (a later message than the notice) lifts it. Before, all of them went to the old number.
func TestSendsToAChangedNumber(t *testing.T) {
	cfg := fakemeta.DefaultConfig()
	// One message per customer every 3 s, so a second and third message wait in the lane.
	cfg.PairEvery, cfg.PairBurst = 3*time.Second, 1
	r := startWithMeta(t, enginetest.Embedded, cfg, map[string]string{"OUTBOUND_PAIR_INTERVAL": "3s", "OUTBOUND_PAIR_BURST": "1"})
	tenantAdmin := r.Login(demoEmail, demoPassword)
	r.meta.AddTemplate(wabaA, "aviso_pedido", "pt_BR", graph.TemplateApproved, graph.CategoryUtility,
		[]graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Seu pedido saiu."}})
	if res := r.Post("/api/v1/templates/sync", tenantAdmin, nil); res.Status != 200 {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	continuedIn := func(conv string) string {
		var v struct{ Conversation struct{ ContinuedIn string } }
		res := r.Get("/api/v1/conversations/"+conv, r.agent)
		if res.Status != 200 {
			return ""
		}
		res.Data(t, &v)
		return v.Conversation.ContinuedIn
	}
	sends := func(conv, wamid string) map[string]map[string]any {
		return map[string]map[string]any{
			"/api/v1/messages/send":          {"conversationId": conv, "body": "Seu pedido saiu"},
			"/api/v1/messages/send-template": {"conversationId": conv, "templateName": "aviso_pedido", "language": "pt_BR"},
			"/api/v1/messages/send-media":    {"conversationId": conv, "type": "image", "link": "https://example.com/nota.jpg"},
			"/api/v1/messages/send-interactive": {"conversationId": conv, "interactive": map[string]any{"type": "button", "body": map[string]any{"text": "Chegou?"},
				"action": map[string]any{"buttons": []map[string]any{{"type": "reply", "reply": map[string]any{"id": "sim", "title": "Sim"}}}}}},
			"/api/v1/messages/send-reaction": {"conversationId": conv, "messageId": wamid, "emoji": "👍"},
		}
	}
	refused := func(conv, wamid, next string) {
		t.Helper()
		for path, body := range sends(conv, wamid) {
			res := r.Post(path, r.agent, body)
			var e struct {
				Message string
				Error   struct {
					Details []struct{ Field, Message string }
				}
			}
			_ = json.Unmarshal(res.Body, &e)
			if res.Status != 409 || res.Code() != "number_changed" || !strings.Contains(e.Message, next) ||
				len(e.Error.Details) != 1 || e.Error.Details[0].Field != "continuedIn" || e.Error.Details[0].Message != next {
				t.Fatalf("%s into a conversation whose customer changed number: %d %s", path, res.Status, res.Body)
			}
		}
	}

	// The fixture: Ana writes, changes number, writes from the new one. Her old window is long
	// closed, but the answer is where she went, not a template to a number she gave up.
	body, err := os.ReadFile("testdata/user_changed_number_then_writes.json")
	if err != nil {
		t.Fatal(err)
	}
	if res := postWebhook(t, r.Node, body); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	oldAna := actors.ConversationID(r.tenantA, "5511987654321")
	eventually(t, 20*time.Second, func() bool { return continuedIn(oldAna) != "" }, func() string { return "no continuedIn" })
	eventually(t, 20*time.Second, func() bool {
		return r.Post("/api/v1/messages/send-template", r.agent, sends(oldAna, "")["/api/v1/messages/send-template"]).Code() == "number_changed"
	}, func() string { return "a template to Ana's old number still accepted" })
	refused(oldAna, "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFkNIQU5HRV9CRUZPUkVfMDAwMDAwMDEA", continuedIn(oldAna))
	if next := continuedIn(oldAna); r.Post("/api/v1/messages/send-template", r.agent, sends(next, "")["/api/v1/messages/send-template"]).Status != 202 {
		t.Fatal("a template to Ana's new conversation refused")
	}

	// Messages still queued to the old number when the change arrives fail unsent.
	davi, daviNew := "5511955554444", "5511955550000"
	conv, wamid := r.customerSays(t, r.tenantA, phoneA, davi)
	r.send(t, r.agent, conv, "um")
	queued := []string{r.send(t, r.agent, conv, "dois").ID, r.send(t, r.agent, conv, "três").ID}
	notice := time.Now().Unix()
	if res := postWebhook(t, r.Node, changedNumberNotice(davi, daviNew, "wamid.davi-changed", notice)); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	for _, id := range queued {
		var m messageView
		eventually(t, 30*time.Second, func() bool {
			m, _ = messageIn(t, r.Node, r.agent, conv, id)
			return m.Status == "failed"
		}, func() string { return fmt.Sprintf("a message queued to a changed number: %+v", m) })
		if m.Error == nil || !strings.Contains(m.Error.Details, continuedIn(conv)) {
			t.Fatalf("failed without saying where the customer went: %+v", m.Error)
		}
		// The engine's own failure, told apart by its reason, not by code 0 (Meta's auth
		// error code) and a title.
		if m.Error.Reason != "number_changed" || m.Error.Code != 0 {
			t.Fatalf("a failure for a changed number reads %+v, want reason number_changed", m.Error)
		}
		if n := sentTimes(r.meta, phoneA)[id]; n != 0 {
			t.Fatalf("%s reached the changed number %d times", id, n)
		}
	}
	eventually(t, 20*time.Second, func() bool {
		return r.Post("/api/v1/messages/send", r.agent, sends(conv, "")["/api/v1/messages/send"]).Code() == "number_changed"
	},
		func() string { return "a text to Davi's old number still accepted" })
	refused(conv, wamid, continuedIn(conv))

	// Davi writes from the old number again, after the notice: it is his (or someone's who
	// wrote to the business) again, and sends go. One dated before the notice (a late
	// delivery) lifts nothing.
	if res := postWebhook(t, r.Node, inboundText(davi, "wamid.davi-late", "antes", notice-30)); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	eventually(t, 20*time.Second, func() bool {
		m, ok := messageIn(t, r.Node, r.agent, conv, "wamid.davi-late")
		return ok && m.Direction == "inbound"
	}, func() string { return "the late message never arrived" })
	if next := continuedIn(conv); next == "" {
		t.Fatal("a message from before the notice lifted it")
	}
	if res := postWebhook(t, r.Node, inboundText(davi, "wamid.davi-back", "voltei", notice+5)); res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	eventually(t, 20*time.Second, func() bool { return continuedIn(conv) == "" }, func() string { return "writing from the old number did not lift it" })
	eventually(t, 20*time.Second, func() bool {
		return r.Post("/api/v1/messages/send", r.agent, sends(conv, "")["/api/v1/messages/send"]).Status == 202
	}, func() string { return "a text after Davi wrote from the old number again still refused" })
}
