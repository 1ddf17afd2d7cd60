package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

// Meta may answer a send to a Brazilian or Mexican mobile with the other form of the number
// as its wa_id (WHATSAPP.md §2), and then reports the message's statuses and the customer's
// replies under that wa_id. A template that starts a conversation with the number as dialled
// must still follow its statuses to read, and the reply must land in the same conversation:
// one conversation per person, whichever form names it.
func TestRewrittenWaIDKeepsOneConversation(t *testing.T) {
	r := startRewritingMeta(t, func(*fakemeta.Config) {})
	for _, tc := range []struct{ name, dialled, waID, search string }{
		{"Brazil: Meta drops the ninth digit", "5511987654321", "551187654321", "87654321"},
		{"Mexico: Meta adds the mobile 1", "525512345678", "5215512345678", "12345678"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conv := actors.ConversationID(r.tenantA, tc.dialled)
			res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": conv, "templateName": "aviso_pedido", "language": "pt_BR"})
			if res.Status != 202 {
				t.Fatalf("template to a new customer: %d %s", res.Status, res.Body)
			}
			var q struct{ Message queuedView }
			res.Data(t, &q)
			if q.Message.ConversationID != conv {
				t.Fatalf("queued in %s, want %s", q.Message.ConversationID, conv)
			}
			var sent fakemeta.SentMessage
			eventually(t, 20*time.Second, func() bool {
				for _, m := range r.meta.Sent(phoneA) {
					if m.BizOpaqueCallbackData == q.Message.ID {
						sent = m
						return true
					}
				}
				return false
			}, func() string { return "the template never reached Meta" })
			if sent.Request.To != "+"+tc.dialled || sent.WaID != tc.waID {
				t.Fatalf("Meta got to %q and answered wa_id %q, want %q and %q", sent.Request.To, sent.WaID, "+"+tc.dialled, tc.waID)
			}
			var m messageView
			eventually(t, 20*time.Second, func() bool {
				m, _ = messageIn(t, r.Node, r.agent, conv, q.Message.ID)
				return m.Status == "read"
			}, func() string {
				return fmt.Sprintf("statuses to wa_id %s never reached the message sent to %s: %+v", tc.waID, tc.dialled, m)
			})

			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			wamid, err := r.meta.SendInbound(ctx, phoneA, tc.waID, "Cliente", "recebi, obrigado")
			if err != nil {
				t.Fatal(err)
			}
			eventually(t, 20*time.Second, func() bool { _, ok := messageByWAMID(t, r.Node, r.agent, conv, wamid); return ok },
				func() string { return "the reply from " + tc.waID + " never reached conversation " + conv })
			if _, ok := messageIn(t, r.Node, r.agent, conv, q.Message.ID); !ok {
				t.Fatalf("conversation %s lost the template", conv)
			}
			var cs []conversationView
			eventually(t, 20*time.Second, func() bool { // the inbox follows the conversation
				cs = nil
				r.Get("/api/v1/conversations?search="+tc.search, r.agent).Data(t, &cs)
				return len(cs) == 1 && cs[0].ID == conv && cs[0].MessageCount == 2 && cs[0].Contact.WaID == tc.waID
			}, func() string {
				return fmt.Sprintf("conversations for %s: %+v, want only %s with both messages and Meta's wa_id %s", tc.search, cs, conv, tc.waID)
			})
			for _, search := range []string{tc.dialled, tc.waID} { // either form finds it
				cs = nil
				r.Get("/api/v1/conversations?search="+search, r.agent).Data(t, &cs)
				if len(cs) != 1 || cs[0].ID != conv {
					t.Fatalf("search %s: %+v, want %s", search, cs, conv)
				}
			}
			// Meta's form of the number names the same conversation.
			other := r.Get("/api/v1/conversations/"+actors.ConversationID(r.tenantA, tc.waID), r.agent)
			var v struct{ Conversation conversationView }
			if other.Status != 200 {
				t.Fatalf("conversation by Meta's wa_id: %d %s", other.Status, other.Body)
			}
			if other.Data(t, &v); v.Conversation.ID != conv {
				t.Fatalf("conversation by Meta's wa_id is %s, want %s", v.Conversation.ID, conv)
			}
		})
	}
}

// startRewritingMeta starts a node with a fakemeta that answers sends to Brazilian and
// Mexican mobiles with Meta's other form of the number (configured further by tune), and the
// tenant's approved template aviso_pedido synced.
func startRewritingMeta(t *testing.T, tune func(*fakemeta.Config)) *metaRig {
	t.Helper()
	cfg := fakemeta.DefaultConfig()
	cfg.RewriteWaIDs = true
	tune(&cfg)
	r := startWithMeta(t, enginetest.Embedded, cfg, nil)
	tenantAdmin := r.Login(demoEmail, demoPassword)
	r.meta.AddTemplate(wabaA, "aviso_pedido", "pt_BR", graph.TemplateApproved, graph.CategoryUtility,
		[]graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Seu pedido saiu."}})
	if res := r.Post("/api/v1/templates/sync", tenantAdmin, nil); res.Status != 200 {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	return r
}

// messageByWAMID finds one message of a conversation by its wamid.
func messageByWAMID(t *testing.T, n *enginetest.Node, token, conv, wamid string) (messageView, bool) {
	t.Helper()
	for _, m := range messages(t, n, token, conv) {
		if strings.EqualFold(m.WAMID, wamid) {
			return m, true
		}
	}
	return messageView{}, false
}

// Meta's answer to a send names the customer's wa_id as Meta normalised it
// (contacts[0].wa_id). The conversation records it with the send's outcome, before any
// status webhook (here none comes): a template that starts a conversation with the number
// as dialled shows Meta's form of it as soon as the message shows sent.
func TestSendAnswerTeachesMetasWaID(t *testing.T) {
	r := startRewritingMeta(t, func(cfg *fakemeta.Config) { cfg.Statuses.Disabled = true })
	const dialled, waID = "5511987654322", "551187654322"
	conv := actors.ConversationID(r.tenantA, dialled)
	res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": conv, "templateName": "aviso_pedido", "language": "pt_BR"})
	if res.Status != 202 {
		t.Fatalf("template to a new customer: %d %s", res.Status, res.Body)
	}
	var q struct{ Message queuedView }
	res.Data(t, &q)
	var m messageView
	eventually(t, 20*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, conv, q.Message.ID)
		return m.Status == "sent"
	}, func() string { return fmt.Sprintf("the template never showed sent: %+v", m) })
	var v struct{ Conversation conversationView }
	if got := r.Get("/api/v1/conversations/"+conv, r.agent); got.Status != 200 {
		t.Fatalf("conversation: %d %s", got.Status, got.Body)
	} else if got.Data(t, &v); v.Conversation.Contact.WaID != waID {
		t.Fatalf("contact wa_id %q once sent, want Meta's %q", v.Conversation.Contact.WaID, waID)
	}
}
