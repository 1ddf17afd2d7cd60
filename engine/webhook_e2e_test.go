package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// Every webhook fixture is accepted, processed, and lands where it should: inbound messages
// in their conversation (tenant A or B), the BSUID-only user in a conversation of its own,
// tenant events on the tenant, nothing dead-lettered.
func TestFixturesLandWhereTheyShould(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b})
			n.Seed()
			tenantB := addTenantB(t, n)
			tenantA := demoTenantID(t, n)
			admin := n.Login(adminEmail, adminPassword)

			wantInbound := map[string]map[string]string{} // conversation id → wamid → type
			posted := int64(0)
			for _, f := range fixtures.Glob(t, "webhooks/*.json") {
				if strings.Contains(f, "sequence_") {
					continue
				}
				body := fixtures.Read(t, f)
				if r := postWebhook(t, n, body); r.Status != 200 {
					t.Fatalf("%s: %d %s", f, r.Status, r.Body)
				}
				posted++
				w, _ := graph.ParseWebhook(body)
				for _, e := range w.Entry {
					for _, c := range e.Changes {
						if c.Field != graph.FieldMessages {
							continue
						}
						v, _ := c.MessagesValue()
						tenant := tenantA
						if v.Metadata.PhoneNumberID == phoneB {
							tenant = tenantB.ID
						}
						for _, m := range v.Messages {
							key := m.From
							if key == "" {
								key = m.FromUserID
							}
							id := actors.ConversationID(tenant, key)
							if wantInbound[id] == nil {
								wantInbound[id] = map[string]string{}
							}
							wantInbound[id][m.ID] = m.Type
						}
					}
				}
			}
			waitProcessed(t, n, posted)
			if dl := n.Engine.WebhookStats().DeadLetters.Load(); dl != 0 {
				t.Fatalf("%d dead letters", dl)
			}
			if len(wantInbound) < 3 {
				t.Fatalf("fixtures cover only %d conversations", len(wantInbound))
			}
			for convID, want := range wantInbound {
				got := map[string]string{}
				for _, m := range messages(t, n, admin, convID) {
					if m.Direction != "inbound" || m.Text == "" {
						t.Fatalf("%s: message %+v", convID, m)
					}
					got[m.WAMID] = m.Type
				}
				for wamid, typ := range want {
					if got[wamid] != typ {
						t.Fatalf("%s: wamid %s type %q, want %q", convID, wamid, got[wamid], typ)
					}
				}
			}

			// The phone user: every inbound type, the profile name, the marketing opt-out.
			r := n.Get("/api/v1/conversations/"+actors.ConversationID(tenantA, userWaID), admin)
			var conv struct{ Conversation conversationView }
			r.Data(t, &conv)
			c := conv.Conversation
			if c.Contact.Name == "" || !c.Contact.MarketingOptOut || c.Contact.ChangedNumberTo != "5511976543210" ||
				c.UnreadCount == 0 || c.Phone != "+"+userWaID {
				t.Fatalf("conversation %+v", c)
			}
			// The BSUID-only user has a conversation keyed by its user id.
			r = n.Get("/api/v1/conversations/"+actors.ConversationID(tenantA, "BR.48120937561230984412"), admin)
			var bsuid struct{ Conversation conversationView }
			r.Data(t, &bsuid)
			if r.Status != 200 || bsuid.Conversation.Contact.Username != "@anasouza" || bsuid.Conversation.Contact.WaID != "" {
				t.Fatalf("bsuid conversation: %d %s", r.Status, r.Body)
			}
			// Replies keep what they reply to; unsupported messages keep Meta's error.
			var sawReply, sawError bool
			for _, m := range messages(t, n, admin, actors.ConversationID(tenantA, userWaID)) {
				sawReply = sawReply || (m.Context != nil && m.Context.ReplyTo != "")
				sawError = sawError || (m.Error != nil && m.Error.Code == 131052)
			}
			if !sawReply || !sawError {
				t.Fatalf("reply context %v, media error %v", sawReply, sawError)
			}

			// Tenant events reached the tenant grain; the uninstall flagged re-authorisation and
			// the throughput upgrade moved the number to Meta's 1,000/s tier.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			st, err := n.Engine.Actors().TenantState(ctx, tenantA)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := st.Templates["order_shipped|pt_BR"]; !ok || st.Quality == nil || st.Capability == nil || !st.NeedsReauth || !st.HighThroughput {
				t.Fatalf("tenant state %+v", st)
			}
			eventually(t, 10*time.Second, func() bool {
				tn, _ := n.Engine.Store().Directory().TenantByID(ctx, tenantA)
				return tn.NeedsReauth
			}, func() string { return "directory never flagged needsReauth" })
		})
	}
}

// The same delivery posted 5 times yields one message; signatures are checked on the raw
// bytes (the escaped-unicode vector), and an unsigned or mis-signed body stores nothing.
func TestWebhookDedupeAndSignatures(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b})
			n.Seed()
			tenantA := demoTenantID(t, n)
			admin := n.Login(adminEmail, adminPassword)

			body := fixtures.Read(t, "webhooks/inbound_text.json")
			for range 5 {
				if r := postWebhook(t, n, body); r.Status != 200 {
					t.Fatalf("post: %d %s", r.Status, r.Body)
				}
			}
			raw := fixtures.Read(t, "webhooks/inbound_reaction_escaped_raw.txt")
			r := n.Do(enginetest.Request{Method: "POST", Path: "/api/v1/webhook", Body: raw, Header: map[string]string{
				graph.SignatureHeader: "sha256=e788290c59cfacca709373dfe83f17cd37a3bb08162d1eebf2b9015ef66dae65"}})
			if r.Status != 200 {
				t.Fatalf("escaped vector: %d %s", r.Status, r.Body)
			}
			waitProcessed(t, n, 6)
			ms := messages(t, n, admin, actors.ConversationID(tenantA, userWaID))
			if len(ms) != 2 {
				t.Fatalf("%d messages after 5 identical deliveries + 1 reaction", len(ms))
			}
			if s := n.Engine.WebhookStats(); s.Duplicates.Load() != 4 {
				t.Fatalf("duplicates counted %d", s.Duplicates.Load())
			}

			bad := []struct {
				name, header string
			}{
				{"missing", ""},
				{"wrong secret", graph.SignatureValue("another-secret-another-secret-00", body)},
				{"malformed", "sha256=xyz"},
				{"sha1", "sha1=0123456789abcdef0123456789abcdef01234567"},
			}
			for _, tc := range bad {
				h := map[string]string{}
				if tc.header != "" {
					h[graph.SignatureHeader] = tc.header
				}
				r := n.Do(enginetest.Request{Method: "POST", Path: "/api/v1/webhook", Body: body, Header: h})
				if r.Status != 401 || r.Code() != "invalid_signature" {
					t.Fatalf("%s: %d %s", tc.name, r.Status, r.Body)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// Processed entries are marked in batches (every 200 ms); rejected posts add none.
			var pending int
			eventually(t, 10*time.Second, func() bool {
				p, err := n.Engine.Store().Inbox().Pending(ctx, "", 100)
				pending = len(p)
				return err == nil && pending == 0
			}, func() string { return itoa(int64(pending)) + " entries still pending" })
			// 6 accepted entries, no more.
			if got := n.Engine.WebhookStats().Entries.Load(); got != 6 {
				t.Fatalf("entries %d", got)
			}
		})
	}
}

// Verification handshake: the challenge back as plain text, else 403.
func TestWebhookVerification(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	r := n.Get("/api/v1/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=enginetest-verify-token", "")
	if r.Status != 200 || string(r.Body) != "1158201444" || !strings.HasPrefix(r.Header["Content-Type"], "text/plain") {
		t.Fatalf("verify: %d %q %q", r.Status, r.Body, r.Header["Content-Type"])
	}
	for _, q := range []string{
		"hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong",
		"hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=enginetest-verify-token",
		"hub.challenge=1",
		// No challenge to echo: a 200 with an empty body would tell a subscription check
		// (or a monitor probing the URL) it passed without the handshake taking place.
		"hub.mode=subscribe&hub.verify_token=enginetest-verify-token",
		"hub.mode=subscribe&hub.challenge=&hub.verify_token=enginetest-verify-token",
	} {
		if r := n.Get("/api/v1/webhook?"+q, ""); r.Status != 403 {
			t.Fatalf("%s: %d", q, r.Status)
		}
	}
}

// The out-of-order fixture (read, sent, duplicate sent) ends in read, whether the message
// was known before its statuses or only after (status before the send response). Its
// statuses carry no callback data, so they are held only by a conversation the engine
// already has (statuses of a customer it has none with are another app's, and ignored).
func TestOutOfOrderStatuses(t *testing.T) {
	var seq struct{ Deliveries []json.RawMessage }
	for _, b := range enginetest.Backends {
		for _, knownFirst := range []bool{true, false} {
			name := string(b) + "/statuses_first"
			if knownFirst {
				name = string(b) + "/message_first"
			}
			t.Run(name, func(t *testing.T) {
				n := enginetest.Start(t, enginetest.Options{Backend: b})
				n.Seed()
				tenantA := demoTenantID(t, n)
				admin := n.Login(adminEmail, adminPassword)
				if err := json.Unmarshal(fixtures.Read(t, "webhooks/sequence_out_of_order_and_duplicate.json"), &seq); err != nil {
					t.Fatal(err)
				}
				const wamid = "wamid.HBgNNTExOTg3NjU0MzIxFQIAERgSNDUwRkMyQzZGOUFDMUU5N0FFRjIA"
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				record := func() {
					if _, err := n.Engine.Actors().RecordOutbound(ctx, tenantA, userWaID, actors.Message{
						ID: "out-1", WAMID: wamid, Type: "text", Text: "Seu pedido saiu", Status: actors.StatusQueued, Timestamp: time.Unix(1767229990, 0).UTC(),
					}); err != nil {
						t.Fatal(err)
					}
				}
				if knownFirst {
					record()
				} else if _, err := n.Engine.Actors().RecordOutbound(ctx, tenantA, userWaID, actors.Message{
					ID: "out-0", Type: "text", Text: "Olá", Status: actors.StatusQueued, Timestamp: time.Unix(1767229980, 0).UTC(),
				}); err != nil {
					t.Fatal(err)
				}
				for i, d := range seq.Deliveries {
					if r := postWebhook(t, n, d); r.Status != 200 {
						t.Fatalf("delivery %d: %d", i, r.Status)
					}
				}
				waitProcessed(t, n, int64(len(seq.Deliveries)))
				if !knownFirst {
					record()
				}
				ms := messages(t, n, admin, actors.ConversationID(tenantA, userWaID))
				if len(ms) == 0 {
					t.Fatal("no messages")
				}
				if last := ms[len(ms)-1]; last.ID != "out-1" || last.Status != actors.StatusRead || last.Direction != "outbound" {
					t.Fatalf("messages %+v", ms)
				}
			})
		}
	}
}

// An agent of tenant B cannot read or act on tenant A's conversation: 404, as for an id
// that does not exist, so ids are not confirmed.
func TestTenantIsolationOfConversations(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b})
			n.Seed()
			tenantA := demoTenantID(t, n)
			admin := n.Login(adminEmail, adminPassword)
			tb := addTenantB(t, n)
			r := n.Post("/api/v1/auth/register", admin, map[string]string{
				"email": "agent.b@example.com", "password": "AgentB@12345", "name": "Agent B", "role": "agent", "tenantId": tb.ID})
			if r.Status != 201 {
				t.Fatalf("register agent B: %d %s", r.Status, r.Body)
			}
			agentB := n.Login("agent.b@example.com", "AgentB@12345")
			agentA := n.Login(agentEmail, agentPassword)

			if r := postWebhook(t, n, fixtures.Read(t, "webhooks/inbound_text.json")); r.Status != 200 {
				t.Fatal(r.Status)
			}
			waitProcessed(t, n, 1)
			convA := actors.ConversationID(tenantA, userWaID)
			missing := actors.ConversationID(tenantA, "5500000000000")
			if r := n.Get("/api/v1/conversations/"+convA, agentA); r.Status != 200 {
				t.Fatalf("agent A reads own: %d", r.Status)
			}
			for _, id := range []string{convA, missing, "garbage", tenantA + "_bad key"} {
				reqs := []enginetest.Request{
					{Method: "GET", Path: "/api/v1/conversations/" + id, Token: agentB},
					{Method: "GET", Path: "/api/v1/messages/" + id, Token: agentB},
					{Method: "PUT", Path: "/api/v1/conversations/" + id + "/read", Token: agentB},
					{Method: "PUT", Path: "/api/v1/conversations/" + id + "/assign", Token: agentB, Body: map[string]string{"agentId": ""}},
				}
				for _, req := range reqs {
					if r := n.Do(req); r.Status != 404 || r.Code() != "not_found" {
						t.Fatalf("%s %s by tenant B: %d %s", req.Method, req.Path, r.Status, r.Body)
					}
				}
			}
			if r := n.Get("/api/v1/conversations?tenantId="+tenantA, agentB); r.Status != 404 {
				t.Fatalf("list A as B: %d", r.Status)
			}
			r = n.Get("/api/v1/conversations", agentB)
			if r.Status != 200 || r.Envelope.Pagination.Total != 0 {
				t.Fatalf("B's own list: %d %s", r.Status, r.Body)
			}
			// Nothing changed on A's side.
			var conv struct{ Conversation conversationView }
			n.Get("/api/v1/conversations/"+convA, agentA).Data(t, &conv)
			if conv.Conversation.UnreadCount != 1 || conv.Conversation.AssignedTo != "" {
				t.Fatalf("A's conversation changed: %+v", conv.Conversation)
			}
		})
	}
}
