package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/persistence"
)

// orderShipped fills the fixtures' order_shipped (pt_BR) template like
// requests/send_template_positional.json.
var orderShipped = []map[string]any{
	{"type": "header", "parameters": []map[string]any{{"type": "text", "text": "#8812"}}},
	{"type": "body", "parameters": []map[string]any{{"type": "text", "text": "Ana"}, {"type": "text", "text": "2 dias úteis"}}},
	{"type": "button", "sub_type": "url", "index": "0", "parameters": []map[string]any{{"type": "text", "text": "8812"}}},
	{"type": "button", "sub_type": "quick_reply", "index": "1", "parameters": []map[string]any{{"type": "payload", "payload": "HUMAN_HANDOFF"}}},
}

// The outbound pipeline end to end, on both stores: one node and one fakemeta per store,
// the steps in order on the same rig (a node per step would cost more than the steps; and
// protoactor forbids running two nodes in parallel under -race).
func TestOutboundThroughMeta(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			r := startWithMeta(t, b, fakemeta.DefaultConfig(), nil)
			tenantB := addTenantB(t, r.Node)
			t.Run("send, statuses, read receipt, template", func(t *testing.T) { stepSendLifecycle(t, r) })
			t.Run("media by link and by id", func(t *testing.T) { stepMedia(t, r) })
			t.Run("interactive buttons and list, reaction", func(t *testing.T) { stepInteractive(t, r) })
			t.Run("Idempotency-Key: a repeat is answered, not sent again", func(t *testing.T) { stepIdempotencyKey(t, r) })
			t.Run("refusals", func(t *testing.T) { stepRefusals(t, r, tenantB) })
			setToken(t, r.Node, tenantB.ID, tokenB)
			r.meta.AddNumber(phoneB, wabaB, "447700900123", tokenB)
			r.route(t, wabaB, tokenB)
			t.Run("each tenant's own token", func(t *testing.T) { stepOwnTokens(t, r, tenantB) })
			t.Run("one message: why it waits, then its send", func(t *testing.T) { stepGetMessage(t, r) })
			t.Run("cancel a queued message", func(t *testing.T) { stepCancel(t, r) })
			t.Run("read receipt retried through Meta trouble", func(t *testing.T) { stepReadReceiptRetried(t, r) })
			if b == enginetest.Embedded { // pacing does not depend on the store; the storm takes seconds
				t.Run("130429 storm: slower, all sent exactly once", func(t *testing.T) { stepThroughputStorm(t, r, tenantB) })
			}
			t.Run("lost answer: reconciled by status, not resent", func(t *testing.T) { stepLostAnswer(t, r) })
			t.Run("131000 by status webhook: sent again once", func(t *testing.T) { stepAsyncFailureResent(t, r) })
			t.Run("190: needs re-authorisation, sends paused", func(t *testing.T) { stepReauth(t, r, tenantB) })
		})
	}
}

// A reply inside the window reaches Meta exactly once, with the tenant's token and our
// message id as callback data, and then follows Meta's status webhooks to read; a read
// conversation sends Meta a read receipt; a template goes out once it is APPROVED.
func stepSendLifecycle(t *testing.T, r *metaRig) {
	conv := r.customerWrites(t, r.tenantA, phoneA, userWaID)

	sub := r.Engine.Events().Subscribe(r.tenantA, 0)
	defer sub.Close()
	q := r.send(t, r.agent, conv, "Olá! Como posso ajudar?")
	eventually(t, 30*time.Second, func() bool { return len(r.meta.Sent(phoneA)) >= 1 },
		func() string { return "fakemeta never received the send" })
	sent := r.meta.Sent(phoneA)[0]
	if sent.Token != tokenA || sent.BizOpaqueCallbackData != q.ID || sent.Request.To != "+"+userWaID ||
		sent.Request.Text == nil || sent.Request.Text.Body != "Olá! Como posso ajudar?" {
		t.Fatalf("fakemeta received %+v (token %q)", sent.Request, sent.Token)
	}
	var m messageView
	eventually(t, 30*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, conv, q.ID)
		return m.Status == "read"
	}, func() string { return fmt.Sprintf("message never read: %+v", m) })
	if m.WAMID != sent.WAMID || m.Direction != "outbound" {
		t.Fatalf("message %+v, fakemeta wamid %s", m, sent.WAMID)
	}
	// Every outcome was published, once durable: the message appears (message.new; queued, or
	// already sent when its record and its outcome shared a flush), then each status in order.
	evs := messageEvents(t, sub, q.ID, func(e actors.MessageEvent) bool { return e.Message.Status == "read" })
	if evs[0].Type != actors.EventMessageNew || evs[0].ConversationID != conv || evs[0].TenantID != r.tenantA {
		t.Fatalf("first event of the send: %+v", evs[0])
	}
	for i, e := range evs {
		if i > 0 && (e.Type != actors.EventMessageStatus || statusRank[e.Message.Status] < statusRank[evs[i-1].Message.Status]) {
			t.Fatalf("event %d of the send went %s → %s (%s)", i, evs[i-1].Message.Status, e.Message.Status, e.Type)
		}
		if statusRank[e.Message.Status] >= statusRank["sent"] && e.Message.WAMID != sent.WAMID {
			t.Fatalf("event %d (%s) carries wamid %q, Meta assigned %q", i, e.Message.Status, e.Message.WAMID, sent.WAMID)
		}
	}
	if sub.Lagged() {
		t.Fatal("the test's subscription lagged")
	}

	if res := r.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/read", Token: r.agent}); res.Status != 200 {
		t.Fatalf("mark read: %d %s", res.Status, res.Body)
	}
	eventually(t, 30*time.Second, func() bool { return r.meta.Stats().Numbers[phoneA].MarkedRead == 1 },
		func() string { return "no read receipt reached Meta" })

	tmpl := map[string]any{"conversationId": conv, "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}
	if res := r.Post("/api/v1/messages/send-template", r.agent, tmpl); res.Status != 422 || res.Code() != "template_not_usable" {
		t.Fatalf("template not yet known: %d %s", res.Status, res.Body)
	}
	r.meta.AddDemoTemplates(wabaA)
	if res := postWebhook(t, r.Node, fixtures.Read(t, "webhooks/template_status_update_approved.json")); res.Status != 200 {
		t.Fatalf("template webhook: %d", res.Status)
	}
	var tq queuedView
	eventually(t, 30*time.Second, func() bool {
		res := r.Post("/api/v1/messages/send-template", r.agent, tmpl)
		if res.Status == 422 && res.Code() == "template_not_usable" {
			return false // the approval is still being processed
		}
		if res.Status != 202 {
			t.Fatalf("template send: %d %s", res.Status, res.Body)
		}
		var d struct{ Message queuedView }
		res.Data(t, &d)
		tq = d.Message
		return true
	}, func() string { return "template never became usable" })
	eventually(t, 30*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, conv, tq.ID)
		return m.Status == "read"
	}, func() string { return fmt.Sprintf("template message never read: %+v", m) })
	if m.Type != "template" || m.Text != "order_shipped (pt_BR)" {
		t.Fatalf("template message %+v", m)
	}
	unapproved := map[string]any{"conversationId": conv, "templateName": "black_friday_promo", "language": "pt_BR"}
	if res := r.Post("/api/v1/messages/send-template", r.agent, unapproved); res.Status != 422 || res.Code() != "template_not_usable" {
		t.Fatalf("unapproved template: %d %s", res.Status, res.Body)
	}
	// A template may open a conversation with a customer who never wrote.
	fresh := actors.ConversationID(r.tenantA, "5511977776666")
	res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": fresh, "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped})
	if res.Status != 202 {
		t.Fatalf("template to a new customer: %d %s", res.Status, res.Body)
	}
	var nq struct{ Message queuedView }
	res.Data(t, &nq)
	eventually(t, 30*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, fresh, nq.Message.ID)
		return m.Status == "read"
	}, func() string { return fmt.Sprintf("template to a new customer: %+v", m) })
	if n := sentTimes(r.meta, phoneA); len(n) != 3 || n[q.ID] != 1 || n[tq.ID] != 1 || n[nq.Message.ID] != 1 {
		t.Fatalf("fakemeta sends per message: %v", n)
	}
	if errs := r.meta.Stats().Numbers[phoneA].Errors; len(errs) != 0 {
		t.Fatalf("fakemeta refused sends: %v", errs)
	}
}

// A read receipt Meta refuses with a transient error (131000) is retried until it lands, once.
func stepReadReceiptRetried(t *testing.T, r *metaRig) {
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511966665555")
	before := r.meta.Stats().Numbers[phoneA]
	r.meta.FailNextReadReceipts(phoneA, 131000, 2)
	if res := r.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/read", Token: r.agent}); res.Status != 200 {
		t.Fatalf("mark read: %d %s", res.Status, res.Body)
	}
	eventually(t, 30*time.Second, func() bool { return r.meta.Stats().Numbers[phoneA].MarkedRead == before.MarkedRead+1 },
		func() string { return "the read receipt never landed after two 131000s" })
	after := r.meta.Stats().Numbers[phoneA]
	if after.Errors[131000] != before.Errors[131000]+2 {
		t.Fatalf("Meta refused %d receipts with 131000, want 2", after.Errors[131000]-before.Errors[131000])
	}
	time.Sleep(2 * time.Second) // a receipt retried after it landed would show up by now
	if got := r.meta.Stats().Numbers[phoneA].MarkedRead; got != before.MarkedRead+1 {
		t.Fatalf("%d receipts landed, want 1", got-before.MarkedRead)
	}
}

// Sends the engine must refuse before anything reaches Meta: outside the window, a tenant
// without a token, another tenant's conversation, malformed requests.
func stepRefusals(t *testing.T, r *metaRig, tenantB persistence.Tenant) {
	before := r.meta.Stats().Numbers[phoneA].Requests

	// A customer who last wrote two days ago: the window is closed.
	old := time.Now().Add(-48 * time.Hour).Unix()
	if res := postWebhook(t, r.Node, inboundText("5511900000077", "wamid.old.1", "old", old)); res.Status != 200 {
		t.Fatal(res.Status)
	}
	stale := actors.ConversationID(r.tenantA, "5511900000077")
	eventually(t, 30*time.Second, func() bool { return r.Get("/api/v1/conversations/"+stale, r.admin).Status == 200 },
		func() string { return "old conversation never appeared" })
	res := r.Post("/api/v1/messages/send", r.agent, map[string]any{"conversationId": stale, "body": "still there?"})
	if res.Status != 422 || res.Code() != "window_closed" || !strings.Contains(res.Envelope.Message, "send-template") {
		t.Fatalf("outside the window: %d %s", res.Status, res.Body)
	}
	res = r.Post("/api/v1/messages/send-media", r.agent, map[string]any{"conversationId": stale, "type": "image", "link": "https://cdn.example.com/a.jpg"})
	if res.Status != 422 || res.Code() != "window_closed" {
		t.Fatalf("media outside the window: %d %s", res.Status, res.Body)
	}

	// Tenant B has a number but no token yet.
	bWaID := "447700900555"
	body := []byte(strings.ReplaceAll(strings.ReplaceAll(string(inboundText(bWaID, "wamid.b.1", "hi", time.Now().Unix())),
		phoneA, phoneB), "15550123456", "447700900123"))
	if res := postWebhook(t, r.Node, body); res.Status != 200 {
		t.Fatal(res.Status)
	}
	convB := actors.ConversationID(tenantB.ID, bWaID)
	eventually(t, 30*time.Second, func() bool { return r.Get("/api/v1/conversations/"+convB, r.admin).Status == 200 },
		func() string { return "tenant B's conversation never appeared" })
	if res := r.Post("/api/v1/messages/send", r.admin, map[string]any{"conversationId": convB, "body": "hi"}); res.Status != 422 || res.Code() != "not_configured" {
		t.Fatalf("tenant without token: %d %s", res.Status, res.Body)
	}

	// A tenant that does not exist has no conversations: a send into one is not found, as a
	// read, a message or a cancel there are, even for a platform admin; nor can it be synced.
	ghost := actors.ConversationID("000000000000000000000000", "5511987654321")
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/messages/send", map[string]any{"conversationId": ghost, "body": "hi"}},
		{"POST", "/api/v1/messages/send-template", map[string]any{"conversationId": ghost, "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}},
		{"POST", "/api/v1/messages/send-reaction", map[string]any{"conversationId": ghost, "messageId": "wamid.X", "emoji": "👍"}},
		{"PUT", "/api/v1/conversations/" + ghost + "/read", nil},
		{"GET", "/api/v1/messages/" + ghost + "/0123456789abcdef01234567", nil},
		{"POST", "/api/v1/messages/" + ghost + "/0123456789abcdef01234567/cancel", nil},
		{"POST", "/api/v1/templates/sync?tenantId=000000000000000000000000", nil},
	} {
		if res := r.Do(enginetest.Request{Method: tc.method, Path: tc.path, Token: r.admin, Body: tc.body}); res.Status != 404 || res.Code() != "not_found" {
			t.Fatalf("%s %s in a tenant that does not exist: %d %s", tc.method, tc.path, res.Status, res.Body)
		}
	}

	// Tenant B's agent cannot send into tenant A's conversation: not even its existence shows.
	live := actors.ConversationID(r.tenantA, userWaID)
	reg := r.Post("/api/v1/auth/register", r.admin, map[string]any{"email": "agent-b@example.com", "password": "Agent-B@123456",
		"name": "Agent B", "role": "agent", "tenantId": tenantB.ID})
	if reg.Status != 201 && reg.Status != 200 {
		t.Fatalf("register agent B: %d %s", reg.Status, reg.Body)
	}
	agentB := r.Login("agent-b@example.com", "Agent-B@123456")
	for _, path := range []string{"/api/v1/messages/send", "/api/v1/messages/send-template"} {
		body := map[string]any{"conversationId": live, "body": "hi"}
		if path == "/api/v1/messages/send-template" {
			body = map[string]any{"conversationId": live, "templateName": "order_shipped", "language": "pt_BR"}
		}
		res := r.Post(path, agentB, body)
		if res.Status != 404 || res.Code() != "not_found" {
			t.Fatalf("%s into another tenant: %d %s", path, res.Status, res.Body)
		}
	}

	// A media header names its media as send-media does: one of an http(s) link or a media id.
	withHeader := func(media map[string]any) map[string]any {
		return map[string]any{"conversationId": live, "interactive": map[string]any{"type": "button",
			"header": map[string]any{"type": "image", "image": media}, "body": map[string]any{"text": "x"},
			"action": map[string]any{"buttons": []map[string]any{{"type": "reply", "reply": map[string]any{"id": "a", "title": "Sim"}}}}}}
	}
	for _, tc := range []struct {
		name, path string
		body       any
		status     int
		code       string
		field      string
	}{
		{"no body", "/api/v1/messages/send", map[string]any{"conversationId": live}, 400, "validation_failed", "body"},
		{"empty body", "/api/v1/messages/send", map[string]any{"conversationId": live, "body": "   "}, 400, "validation_failed", "body"},
		{"body too long", "/api/v1/messages/send", map[string]any{"conversationId": live, "body": strings.Repeat("é", 4097)}, 400, "validation_failed", "body"},
		{"no conversation", "/api/v1/messages/send", map[string]any{"body": "hi"}, 400, "validation_failed", "conversationId"},
		{"unknown field", "/api/v1/messages/send", map[string]any{"conversationId": live, "body": "hi", "to": "+1555"}, 400, "validation_failed", "to"},
		{"wrong type", "/api/v1/messages/send", map[string]any{"conversationId": live, "body": 42}, 400, "validation_failed", "body"},
		{"bad reply", "/api/v1/messages/send", map[string]any{"conversationId": live, "body": "hi", "replyTo": "nope"}, 400, "validation_failed", "replyTo"},
		{"malformed conversation id", "/api/v1/messages/send", map[string]any{"conversationId": "x_1", "body": "hi"}, 404, "not_found", ""},
		{"unknown conversation", "/api/v1/messages/send", map[string]any{"conversationId": actors.ConversationID(r.tenantA, "5511955555555"), "body": "hi"}, 404, "not_found", ""},
		{"template name", "/api/v1/messages/send-template", map[string]any{"conversationId": live, "templateName": "Order Shipped", "language": "pt_BR"}, 400, "validation_failed", "templateName"},
		{"template language", "/api/v1/messages/send-template", map[string]any{"conversationId": live, "templateName": "order_shipped"}, 400, "validation_failed", "language"},
		{"template to a name", "/api/v1/messages/send-template", map[string]any{"conversationId": actors.ConversationID(r.tenantA, "abc"), "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}, 400, "validation_failed", "conversationId"},
		{"template to a short number", "/api/v1/messages/send-template", map[string]any{"conversationId": actors.ConversationID(r.tenantA, "123456"), "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}, 400, "validation_failed", "conversationId"},
		{"template to a long number", "/api/v1/messages/send-template", map[string]any{"conversationId": actors.ConversationID(r.tenantA, "5511987654321000"), "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}, 400, "validation_failed", "conversationId"},
		// A number written as people write it names no conversation and cannot start one:
		// the 400 says how to write it (API.md's E.164 has a +), not a 404 that says nothing.
		{"template to a number written with +", "/api/v1/messages/send-template", map[string]any{"conversationId": r.tenantA + "_+5511912345678", "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}, 400, "validation_failed", "conversationId"},
		{"template to a number written with spaces", "/api/v1/messages/send-template", map[string]any{"conversationId": r.tenantA + "_55 11 91234-5678", "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}, 400, "validation_failed", "conversationId"},
		{"template to another tenant's malformed id", "/api/v1/messages/send-template", map[string]any{"conversationId": tenantB.ID + "_+5511912345678", "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}, 404, "not_found", ""},
		{"template to a malformed user id", "/api/v1/messages/send-template", map[string]any{"conversationId": actors.ConversationID(r.tenantA, "abc.def"), "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}, 400, "validation_failed", "conversationId"},
		{"template component", "/api/v1/messages/send-template", map[string]any{"conversationId": live, "templateName": "order_shipped", "language": "pt_BR",
			"components": []map[string]any{{"type": "footer"}}}, 400, "validation_failed", "components[0].type"},
		{"media type", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "gif", "link": "https://cdn.example.com/a.gif"}, 400, "validation_failed", "type"},
		{"media source", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "image"}, 400, "validation_failed", "link"},
		{"media both sources", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "image", "link": "https://cdn.example.com/a.jpg", "mediaId": "123"}, 400, "validation_failed", "mediaId"},
		{"media relative link", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "image", "link": "/a.jpg"}, 400, "validation_failed", "link"},
		{"media id", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "image", "mediaId": "abc"}, 400, "validation_failed", "mediaId"},
		{"audio caption", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "audio", "mediaId": "1013859600285441", "caption": "ouça"}, 400, "validation_failed", "caption"},
		{"image file name", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "image", "mediaId": "1013859600285441", "filename": "a.jpg"}, 400, "validation_failed", "filename"},
		{"document path", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "document", "mediaId": "1013859600285441", "filename": "../etc/passwd"}, 400, "validation_failed", "filename"},
		{"interactive type", "/api/v1/messages/send-interactive", map[string]any{"conversationId": live, "interactive": map[string]any{"type": "flow", "body": map[string]any{"text": "x"}}}, 400, "validation_failed", "interactive.type"},
		{"interactive title", "/api/v1/messages/send-interactive", map[string]any{"conversationId": live, "interactive": map[string]any{"type": "button", "body": map[string]any{"text": "x"},
			"action": map[string]any{"buttons": []map[string]any{{"type": "reply", "reply": map[string]any{"id": "a", "title": strings.Repeat("t", 21)}}}}}}, 400, "validation_failed", "interactive.action.buttons[0].reply.title"},
		{"interactive header ftp link", "/api/v1/messages/send-interactive", withHeader(map[string]any{"link": "ftp://x"}), 400, "validation_failed", "interactive.header.image.link"},
		{"interactive header relative link", "/api/v1/messages/send-interactive", withHeader(map[string]any{"link": "/a.jpg"}), 400, "validation_failed", "interactive.header.image.link"},
		{"interactive header long link", "/api/v1/messages/send-interactive", withHeader(map[string]any{"link": "https://cdn.example.com/" + strings.Repeat("a", 2048)}), 400, "validation_failed", "interactive.header.image.link"},
		{"interactive header media id", "/api/v1/messages/send-interactive", withHeader(map[string]any{"id": "abc"}), 400, "validation_failed", "interactive.header.image.id"},
		{"interactive header both sources", "/api/v1/messages/send-interactive", withHeader(map[string]any{"id": "1013859600285441", "link": "https://cdn.example.com/a.jpg"}), 400, "validation_failed", "interactive.header.image.id"},
		{"interactive header no source", "/api/v1/messages/send-interactive", withHeader(map[string]any{}), 400, "validation_failed", "interactive.header.image.link"},
		{"interactive missing", "/api/v1/messages/send-interactive", map[string]any{"conversationId": live}, 400, "validation_failed", "interactive"},
		{"reaction target", "/api/v1/messages/send-reaction", map[string]any{"conversationId": live, "messageId": "42", "emoji": "👍"}, 400, "validation_failed", "messageId"},
		{"reaction emoji", "/api/v1/messages/send-reaction", map[string]any{"conversationId": live, "messageId": "wamid.X", "emoji": "ok"}, 400, "validation_failed", "emoji"},
		{"reaction of two emoji", "/api/v1/messages/send-reaction", map[string]any{"conversationId": live, "messageId": "wamid.X", "emoji": "👍👍"}, 400, "validation_failed", "emoji"},
		{"reaction of a letter", "/api/v1/messages/send-reaction", map[string]any{"conversationId": live, "messageId": "wamid.X", "emoji": "中"}, 400, "validation_failed", "emoji"},
		{"validFor zero", "/api/v1/messages/send", map[string]any{"conversationId": live, "body": "hi", "validFor": 0}, 400, "validation_failed", "validFor"},
		{"validFor too long", "/api/v1/messages/send-template", map[string]any{"conversationId": live, "templateName": "order_shipped", "language": "pt_BR", "validFor": 604801}, 400, "validation_failed", "validFor"},
		{"reaction without emoji", "/api/v1/messages/send-reaction", map[string]any{"conversationId": live, "messageId": "wamid.X"}, 400, "validation_failed", "emoji"},
		{"caption too long", "/api/v1/messages/send-media", map[string]any{"conversationId": live, "type": "image", "mediaId": "1013859600285441", "caption": strings.Repeat("a", 1025)}, 400, "validation_failed", "caption"},
	} {
		res := r.Post(tc.path, r.agent, tc.body)
		if res.Status != tc.status || res.Code() != tc.code {
			t.Fatalf("%s: %d %s", tc.name, res.Status, res.Body)
		}
		if tc.field != "" && (len(res.Envelope.Error.Details) == 0 || res.Envelope.Error.Details[0].Field != tc.field) {
			t.Fatalf("%s: details %s", tc.name, res.Body)
		}
	}
	if st := r.meta.Stats().Numbers[phoneA]; st.Requests != before {
		t.Fatalf("refused sends reached Meta: %+v", st)
	}
	for _, key := range []string{"abc", "123456", "5511987654321000", "abc.def"} {
		if res := r.Get("/api/v1/conversations/"+actors.ConversationID(r.tenantA, key), r.agent); res.Status != 404 {
			t.Fatalf("a refused template created conversation %s: %d %s", key, res.Status, res.Body)
		}
	}
}

// Two tenants with their own tokens: every send of each goes out with its own token
// (fakemeta rejects a token not granted for the number's WABA, and records the one used).
func stepOwnTokens(t *testing.T, r *metaRig, tenantB persistence.Tenant) {
	convA := actors.ConversationID(r.tenantA, userWaID)
	convB := r.customerWrites(t, tenantB.ID, phoneB, "447700900555")
	sentA := len(r.meta.Sent(phoneA))
	for i := range 5 {
		r.send(t, r.admin, convA, fmt.Sprint("to A ", i))
		r.send(t, r.admin, convB, fmt.Sprint("to B ", i))
	}
	eventually(t, 30*time.Second, func() bool { return len(r.meta.Sent(phoneA)) == sentA+5 && len(r.meta.Sent(phoneB)) == 5 },
		func() string {
			return fmt.Sprintf("sent A %d, B %d", len(r.meta.Sent(phoneA))-sentA, len(r.meta.Sent(phoneB)))
		})
	for phone, want := range map[string]string{phoneA: tokenA, phoneB: tokenB} {
		for _, s := range r.meta.Sent(phone) {
			if s.Token != want {
				t.Fatalf("a send from %s used token %q", phone, s.Token)
			}
		}
		if errs := r.meta.Stats().Numbers[phone].Errors; len(errs) != 0 {
			t.Fatalf("%s: refused sends %v", phone, errs)
		}
	}
}
