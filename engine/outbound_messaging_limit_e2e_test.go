package engine_test

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// Meta's messaging limit, as a business_capability_update reports it (the fixture's tier
// lowered to TIER_50, the one new and unverified businesses get): a template Meta refuses
// counts no one; templates to 50 new customers go; the 51st new customer is a 429 messaging_limit_reached whose Retry-After is
// when the first of them leaves the 24 hours, and nothing is recorded for it; a repeat to a
// counted customer still goes. After a restart the count is the same: the node rebuilds it
// from the conversations, and its status counts them.
func TestTemplatesKeepToTheMessagingLimit(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) { messagingLimitAcrossARestart(t, b) })
	}
}

func messagingLimitAcrossARestart(t *testing.T, b enginetest.Backend) {
	r := startWithMeta(t, b, fakemeta.DefaultConfig(), nil)
	r.meta.AddDemoTemplates(wabaA)
	capability := bytes.Replace(fixtures.Read(t, "webhooks/business_capability_update.json"), []byte(`"TIER_2K"`), []byte(`"TIER_50"`), 1)
	for _, body := range [][]byte{fixtures.Read(t, "webhooks/template_status_update_approved.json"), capability} {
		if res := postWebhook(t, r.Node, body); res.Status != 200 {
			t.Fatalf("webhook: %d %s", res.Status, res.Body)
		}
	}
	// order_recalled is APPROVED as far as the engine knows, but Meta no longer has it.
	recalled := bytes.Replace(fixtures.Read(t, "webhooks/template_status_update_approved.json"), []byte(`"order_shipped"`), []byte(`"order_recalled"`), 1)
	recalled = bytes.Replace(recalled, []byte(`1789012345678901`), []byte(`1789012345678902`), 1)
	if res := postWebhook(t, r.Node, recalled); res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	waitProcessed(t, r.Node, 3)
	templateNamed := func(n *enginetest.Node, token string, customer int, name string) enginetest.Response {
		conv := actors.ConversationID(r.tenantA, fmt.Sprintf("55119300%05d", customer))
		return n.Post("/api/v1/messages/send-template", token, map[string]any{
			"conversationId": conv, "templateName": name, "language": "pt_BR", "components": orderShipped})
	}
	template := func(n *enginetest.Node, token string, customer int) enginetest.Response {
		return templateNamed(n, token, customer, "order_shipped")
	}
	// A template Meta refuses (132001) never reached its customer: it gives its place back.
	res := templateNamed(r.Node, r.agent, 900, "order_recalled")
	if res.Status != 202 {
		t.Fatalf("template Meta will refuse: %d %s", res.Status, res.Body)
	}
	var q struct{ Message struct{ ID string } }
	res.Data(t, &q)
	conv900 := actors.ConversationID(r.tenantA, "5511930000900")
	eventually(t, 30*time.Second, func() bool {
		m, _ := messageIn(t, r.Node, r.agent, conv900, q.Message.ID)
		return m.Status == "failed"
	}, func() string { return "Meta's 132001 never failed the template" })
	for c := range 50 {
		if res := template(r.Node, r.agent, c); res.Status != 202 {
			t.Fatalf("template to new customer %d of 50: %d %s", c+1, res.Status, res.Body)
		}
	}
	refused := func(n *enginetest.Node, token string) {
		t.Helper()
		res := template(n, token, 50)
		wait, _ := strconv.Atoi(res.Header["Retry-After"])
		if res.Status != 429 || res.Code() != "messaging_limit_reached" || wait < 86_000 || wait > 86_400 {
			t.Fatalf("the 51st new customer: %d %v %s, want 429 messaging_limit_reached with about 24 h to wait", res.Status, res.Header["Retry-After"], res.Body)
		}
		if res := n.Get("/api/v1/conversations/"+actors.ConversationID(r.tenantA, "5511930000050"), token); res.Status != 404 {
			t.Fatalf("the refused template's customer: %d %s, want no conversation", res.Status, res.Body)
		}
	}
	refused(r.Node, r.agent)
	if res := template(r.Node, r.agent, 7); res.Status != 202 {
		t.Fatalf("a repeat to a counted customer: %d %s", res.Status, res.Body)
	}

	dataDir, database := r.DataDir, r.Database
	r.Stop()
	n := enginetest.Start(t, enginetest.Options{Backend: b, DataDir: dataDir, Database: database, Env: metaEnv(r.meta)})
	agent := n.Login(agentEmail, agentPassword)
	refused(n, agent)
	// The status counts the same 50 customers (Meta's live answer names the same tier).
	r.meta.UpdateNumber(phoneA, func(p *graph.PhoneNumber) { p.MessagingLimit = "TIER_50" })
	r2 := &metaRig{Node: n, meta: r.meta, tenantA: r.tenantA}
	if st := r2.tenantStatus(t, n.Login(adminEmail, adminPassword), r.tenantA, 200); st.MessagingLimit.Tier != "TIER_50" ||
		st.MessagingLimit.Limit == nil || *st.MessagingLimit.Limit != 50 || st.MessagingLimit.Used != 50 {
		t.Fatalf("status after the restart: messaging limit %+v, want 50 of TIER_50 used", st.MessagingLimit)
	}
	eventually(t, 30*time.Second, func() bool { return len(sentTimes(r.meta, phoneA)) == 51 },
		func() string {
			return fmt.Sprintf("%d templates reached Meta, want the 51 accepted", len(sentTimes(r.meta, phoneA)))
		})
}
