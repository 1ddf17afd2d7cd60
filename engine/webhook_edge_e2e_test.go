package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/internal/fixtures"
)

// A store that cannot take the write answers 503 with Retry-After, so Meta retries: the edge
// never acknowledges what it could not keep.
func TestWebhookStoreDownAnswers503(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Engine.Store().Close(ctx); err != nil {
		t.Fatal(err)
	}
	r := postWebhook(t, n, fixtures.Read(t, "webhooks/inbound_text.json"))
	if r.Status != 503 || r.Code() != "service_unavailable" || r.Header["Retry-After"] == "" {
		t.Fatalf("want 503 with Retry-After, got %d %v %s", r.Status, r.Header["Retry-After"], r.Body)
	}
	if h := n.Get("/api/v1/health", ""); h.Status != 503 {
		t.Fatalf("health with the store down: %d", h.Status)
	}
	n.Abandon() // the store is closed already; a graceful stop would report that
}

// Events for a number no tenant owns are kept as dead letters with the reason (not dropped,
// and not retried forever), and the entry is processed.
func TestUnknownNumberIsDeadLettered(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b})
			n.Seed()
			body := strings.ReplaceAll(string(fixtures.Read(t, "webhooks/inbound_text.json")), phoneA, "999999999999999")
			if r := postWebhook(t, n, []byte(body)); r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			waitProcessed(t, n, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			letters, err := n.Engine.Store().Inbox().DeadLetters(ctx, "", 10)
			if err != nil || len(letters) != 1 || !strings.Contains(letters[0].Reason, "999999999999999") ||
				!strings.Contains(string(letters[0].Payload), "wamid.") {
				t.Fatalf("dead letters: %v %+v", err, letters)
			}
		})
	}
}

// A signed message dated past year 9999 (no store can encode that time) is stored dated by
// its arrival, and its conversation goes on: before, the conversation could never be
// written again, and its lane retried the message for ever, holding up every customer
// hashed to the same lane and the replay at each restart.
func TestImplausibleTimestampDoesNotWedgeItsConversation(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	admin := n.Login(adminEmail, adminPassword)
	const user = "5511900000077"
	for i, ts := range []int64{253402300800, 1767225600} {
		if r := postWebhook(t, n, inboundText(user, "wamid.ts."+itoa(int64(i)), "hi", ts)); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	waitProcessed(t, n, 2)
	if got := messages(t, n, admin, actors.ConversationID(demoTenantID(t, n), user)); len(got) != 2 {
		t.Fatalf("stored %d of 2 messages: %+v", len(got), got)
	}
}

// Ana's user_changed_number notice (no contacts block) batched with a status to Bruno (whose
// contact Meta adds to status values since 2026) lands in Ana's conversation: before, the
// change's lone contact was taken as the notice's sender, so Bruno was marked as having
// changed number and Ana's conversation was never created.
func TestNumberChangeBatchedWithAStatusStaysWithItsSender(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	tenantA := demoTenantID(t, n)
	admin := n.Login(adminEmail, adminPassword)
	const ana, bruno = "5511987654321", "5521998877665"
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"104996122399160","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550123456","phone_number_id":"109881335267193"},` +
		`"contacts":[{"profile":{"name":"Bruno"},"wa_id":"` + bruno + `","user_id":"BR.1234567890"}],` +
		`"statuses":[{"id":"wamid.out.bruno","status":"delivered","timestamp":"1767229001","recipient_id":"` + bruno + `","biz_opaque_callback_data":"m-bruno"}],` +
		`"messages":[{"from":"` + ana + `","id":"wamid.sys.ana","timestamp":"1767229002","type":"system","system":{"body":"User Ana changed from ` + ana + ` to 5511976543210","wa_id":"5511976543210","type":"user_changed_number"}}]}}]}]}`)
	if r := postWebhook(t, n, body); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	waitProcessed(t, n, 1)
	var anas, brunos struct{ Conversation conversationView }
	n.Get("/api/v1/conversations/"+actors.ConversationID(tenantA, ana), admin).Data(t, &anas)
	// Bruno's status names no message of ours (no outbox row has its callback data): it
	// makes no conversation of Bruno's, and one that did must not say he changed number.
	if r := n.Get("/api/v1/conversations/"+actors.ConversationID(tenantA, bruno), admin); r.Status == 200 {
		r.Data(t, &brunos)
	} else if r.Status != 404 {
		t.Fatalf("Bruno's conversation: %d %s", r.Status, r.Body)
	}
	if anas.Conversation.Contact.ChangedNumberTo != "5511976543210" || brunos.Conversation.Contact.ChangedNumberTo != "" {
		t.Fatalf("Ana changed number to %q, Bruno to %q", anas.Conversation.Contact.ChangedNumberTo, brunos.Conversation.Contact.ChangedNumberTo)
	}
}

// A product inquiry's message, as the API shows it, names the catalog product the customer
// asked about (it was dropped: only the replied-to id was kept).
func TestProductInquiryShowsItsProduct(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	admin := n.Login(adminEmail, adminPassword)
	body := strings.Replace(string(inboundText(userWaID, "wamid.inquiry", "In stock?", 1767225600)), `"type":"text"`,
		`"type":"text","context":{"from":"15550123456","id":"wamid.catalog","referred_product":{"catalog_id":"CAT-77","product_retailer_id":"SKU-123"}}`, 1)
	if r := postWebhook(t, n, []byte(body)); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	waitProcessed(t, n, 1)
	got := messages(t, n, admin, actors.ConversationID(demoTenantID(t, n), userWaID))
	if len(got) != 1 || got[0].Context == nil || got[0].Context.ReferredProduct == nil ||
		*got[0].Context.ReferredProduct != (struct{ CatalogID, ProductRetailerID string }{"CAT-77", "SKU-123"}) {
		t.Fatalf("messages: %+v", got)
	}
}

// The inbox listing: newest activity first, filters, search, pagination, assignment and
// mark-read as an agent sees them.
func TestConversationListing(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	tenantA := demoTenantID(t, n)
	agent := n.Login(agentEmail, agentPassword)
	demo := n.Login(demoEmail, demoPassword)
	users := []struct{ waID string }{{"5511900000001"}, {"5511900000002"}, {"5511900000003"}}
	for i, u := range users {
		if r := postWebhook(t, n, inboundText(u.waID, "wamid.list."+u.waID, "oi", 1767225600+int64(i)*60)); r.Status != 200 {
			t.Fatal(r.Status)
		}
	}
	waitProcessed(t, n, 3)

	list := func(query string) []conversationView {
		t.Helper()
		r := n.Get("/api/v1/conversations"+query, agent)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", query, r.Status, r.Body)
		}
		var cs []conversationView
		r.Data(t, &cs)
		return cs
	}
	if cs := list(""); len(cs) != 3 || cs[0].Contact.WaID != users[2].waID || cs[2].Contact.WaID != users[0].waID {
		t.Fatalf("not newest first: %+v", cs)
	}
	// inboundText names each user "User <wa_id>".
	if cs := list("?search=uSeR+5511900000002"); len(cs) != 1 || cs[0].Contact.Name != "User 5511900000002" {
		t.Fatalf("search by name, case-insensitive: %+v", cs)
	}
	if cs := list("?search=nobody"); len(cs) != 0 {
		t.Fatalf("search matched %d", len(cs))
	}
	if cs := list("?search=%2B5511900000003"); len(cs) != 1 || cs[0].Contact.WaID != users[2].waID {
		t.Fatalf("search by phone: %+v", cs)
	}
	r := n.Get("/api/v1/conversations?limit=2&page=2", agent)
	if r.Envelope.Pagination == nil || r.Envelope.Pagination.Total != 3 || r.Envelope.Pagination.Pages != 2 || r.Envelope.Pagination.HasNext {
		t.Fatalf("pagination: %s", r.Body)
	}

	conv := actors.ConversationID(tenantA, users[1].waID)
	var me meView
	n.Get("/api/v1/auth/me", agent).Data(t, &me)
	if r := n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/assign", Token: agent,
		Body: map[string]string{"agentId": "ffffffffffffffffffffffff"}}); r.Status != 403 {
		t.Fatalf("agent assigning someone else: %d %s", r.Status, r.Body)
	}
	if r := n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/assign", Token: demo,
		Body: map[string]string{"agentId": "ffffffffffffffffffffffff"}}); r.Status != 400 || r.Code() != "validation_failed" {
		t.Fatalf("assigning a stranger: %d %s", r.Status, r.Body)
	}
	if r := n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/assign", Token: agent,
		Body: map[string]string{"agentId": me.User.ID}}); r.Status != 200 {
		t.Fatalf("agent takes it: %d %s", r.Status, r.Body)
	}
	if cs := list("?assignedTo=me"); len(cs) != 1 || cs[0].ID != conv {
		t.Fatalf("assignedTo=me: %+v", cs)
	}
	if cs := list("?assignedTo=none"); len(cs) != 2 {
		t.Fatalf("assignedTo=none: %d", len(cs))
	}
	// agentId null unassigns, as "" does; absent or not a string is a 400.
	assign := func(body string) enginetest.Response {
		return n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/assign", Token: demo, Body: body})
	}
	for _, body := range []string{`{}`, `{"agentId":7}`} {
		if r := assign(body); r.Status != 400 || r.Code() != "validation_failed" {
			t.Fatalf("assign %s: %d %s", body, r.Status, r.Body)
		}
	}
	if r := assign(`{"agentId":null}`); r.Status != 200 {
		t.Fatalf("unassign with null: %d %s", r.Status, r.Body)
	}
	if cs := list("?assignedTo=none"); len(cs) != 3 {
		t.Fatalf("after unassigning with null, assignedTo=none: %d", len(cs))
	}
	if r := assign(`{"agentId":"` + me.User.ID + `"}`); r.Status != 200 {
		t.Fatalf("assign again: %d %s", r.Status, r.Body)
	}
	if r := n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/read", Token: agent}); r.Status != 200 {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	if cs := list("?unread=true"); len(cs) != 2 {
		t.Fatalf("unread=true: %d", len(cs))
	}
	if cs := list("?unread=false"); len(cs) != 1 || cs[0].UnreadCount != 0 {
		t.Fatalf("unread=false: %+v", cs)
	}
	if cs := list("?status=open"); len(cs) != 3 {
		t.Fatalf("status=open: %d", len(cs))
	}
	for _, q := range []string{"?status=archived", "?unread=maybe", "?assignedTo=bob", "?page=0"} {
		if r := n.Get("/api/v1/conversations"+q, agent); r.Status != 400 || r.Code() != "validation_failed" {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
	}
	admin := n.Login(adminEmail, adminPassword)
	if r := n.Get("/api/v1/conversations", admin); r.Status != 400 {
		t.Fatalf("platform admin without tenantId: %d", r.Status)
	}
	if r := n.Get("/api/v1/conversations?tenantId="+tenantA, admin); r.Status != 200 || r.Envelope.Pagination.Total != 3 {
		t.Fatalf("platform admin with tenantId: %d %s", r.Status, r.Body)
	}
}

// One item of a batch in a shape the engine does not read (here a location whose latitude is
// a word, and a status whose timestamp is not a number) is kept as a dead letter naming it,
// and its neighbours in the same change are processed: Meta batches up to 1,000 updates in a
// POST, and "never fail a whole batch because one item is unknown" (WHATSAPP.md §1.3).
// Before, the change failed to decode as a whole and every message and status in it became
// one dead letter: Ana's text never reached her conversation.
func TestMalformedItemDoesNotSinkItsChange(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	admin := n.Login(adminEmail, adminPassword)
	body := `{"object":"whatsapp_business_account","entry":[{"id":"104996122399160","changes":[{"field":"messages","value":{
 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550123456","phone_number_id":"` + phoneA + `"},
 "contacts":[{"profile":{"name":"Ana Souza"},"wa_id":"` + userWaID + `"}],
 "messages":[
  {"from":"` + userWaID + `","id":"wamid.good.1","timestamp":"1767225600","type":"text","text":{"body":"Oi!"}},
  {"from":"` + userWaID + `","id":"wamid.odd.2","timestamp":"1767225601","type":"location","location":{"latitude":"north","longitude":-46.6}},
  {"from":"` + userWaID + `","id":"wamid.good.3","timestamp":"1767225602","type":"text","text":{"body":"Tudo bem?"}}],
 "statuses":[{"id":"wamid.out.9","status":"delivered","timestamp":"soon","recipient_id":"` + userWaID + `"}]}}]}]}`
	if r := postWebhook(t, n, []byte(body)); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	waitProcessed(t, n, 1)
	got := messages(t, n, admin, actors.ConversationID(demoTenantID(t, n), userWaID))
	if len(got) != 2 || got[0].WAMID != "wamid.good.1" || got[1].WAMID != "wamid.good.3" {
		t.Fatalf("messages %+v, want the two good texts", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	letters, err := n.Engine.Store().Inbox().DeadLetters(ctx, "", 10)
	if err != nil || len(letters) != 1 || !strings.Contains(letters[0].Reason, "messages[1]") ||
		!strings.Contains(letters[0].Reason, "statuses[0]") || !strings.Contains(string(letters[0].Payload), "wamid.odd.2") {
		t.Fatalf("dead letters: %v %+v", err, letters)
	}
}
