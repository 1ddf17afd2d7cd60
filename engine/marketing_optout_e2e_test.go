package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

// A customer who stopped marketing messages gets no MARKETING template: 422
// marketing_opt_out, nothing queued, while a UTILITY template still goes. The stop comes from
// their user_preferences webhook, or from Meta failing an earlier marketing message with
// 131050; a newer "resume" lifts it.
func TestMarketingOptOut(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	tenantAdmin := r.Login(demoEmail, demoPassword)
	r.meta.AddTemplate(wabaA, "promo_natal", "pt_BR", graph.TemplateApproved, graph.CategoryMarketing,
		[]graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Promoção de Natal!"}})
	r.meta.AddTemplate(wabaA, "aviso_pedido", "pt_BR", graph.TemplateApproved, graph.CategoryUtility,
		[]graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Seu pedido saiu."}})
	if res := r.Post("/api/v1/templates/sync", tenantAdmin, nil); res.Status != 200 {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	sendTemplate := func(conv, name string) (int, string) {
		res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": conv, "templateName": name, "language": "pt_BR"})
		return res.Status, res.Code()
	}
	optedOut := func(conv string) bool {
		res := r.Get("/api/v1/conversations/"+conv, r.agent)
		var v struct {
			Conversation struct {
				Contact struct{ MarketingOptOut bool }
			}
		}
		res.Data(t, &v)
		return v.Conversation.Contact.MarketingOptOut
	}
	refusedEventually := func(conv string) {
		t.Helper()
		var status int
		var code string
		eventually(t, 20*time.Second, func() bool {
			status, code = sendTemplate(conv, "promo_natal")
			return status == 422
		}, func() string { return fmt.Sprintf("marketing template to an opted-out customer: %d %s", status, code) })
		if code != "marketing_opt_out" {
			t.Fatalf("refused with %s, want marketing_opt_out", code)
		}
	}

	ana := "5511987654321"
	conv := r.customerWrites(t, r.tenantA, phoneA, ana)
	if status, code := sendTemplate(conv, "promo_natal"); status != 202 {
		t.Fatalf("marketing before any stop: %d %s", status, code)
	}
	stop := time.Now().Unix()
	preference := func(value string, at int64) []byte {
		return []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":%q,"changes":[{"field":"user_preferences","value":{`+
			`"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550123456","phone_number_id":%q},`+
			`"contacts":[{"wa_id":%q}],"user_preferences":[{"wa_id":%q,"detail":"","category":"marketing_messages","value":%q,"timestamp":%d}]}}]}]}`,
			wabaA, phoneA, ana, ana, value, at))
	}
	if res := postWebhook(t, r.Node, preference("stop", stop)); res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	refusedEventually(conv)
	sent := len(r.meta.Sent(phoneA))
	if status, code := sendTemplate(conv, "aviso_pedido"); status != 202 {
		t.Fatalf("a utility template to an opted-out customer: %d %s", status, code)
	}
	eventually(t, 20*time.Second, func() bool { return len(r.meta.Sent(phoneA)) == sent+1 },
		func() string { return "the utility template never reached Meta" })
	if res := postWebhook(t, r.Node, preference("resume", stop+60)); res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	eventually(t, 20*time.Second, func() bool { s, _ := sendTemplate(conv, "promo_natal"); return s == 202 },
		func() string { return "marketing still refused after a resume" })

	// Meta's 131050 on a marketing message marks its customer opted out as well.
	bruno := "5511955554444"
	convB := r.customerWrites(t, r.tenantA, phoneA, bruno)
	r.meta.FailNextAsync(phoneA, 131050, 1)
	if status, code := sendTemplate(convB, "promo_natal"); status != 202 {
		t.Fatalf("marketing to Bruno: %d %s", status, code)
	}
	eventually(t, 20*time.Second, func() bool { return optedOut(convB) },
		func() string { return "a 131050 did not mark the customer opted out" })
	refusedEventually(convB)
}
