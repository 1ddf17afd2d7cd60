package engine_test

import (
	"fmt"
	"strconv"
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
	// Each injection is scoped to its step's customer (fakemeta.To): number-wide, a message an
	// earlier step queued (a poll accepted before the refusal was learnt, the utility
	// template), paced behind its customer's pair limit, took the failure meant for the next
	// step's customer, who then never got it.
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
	if status, code := sendTemplate(conv, "aviso_pedido"); status != 202 {
		t.Fatalf("a utility template to an opted-out customer: %d %s", status, code)
	}
	// The template itself, not any send: a poll above accepted before the stop was learnt
	// may reach Meta after it.
	eventually(t, 20*time.Second, func() bool { return sentTo(r.meta.Sent(phoneA), ana, "aviso_pedido") },
		func() string { return "the utility template never reached Meta" })
	if res := postWebhook(t, r.Node, preference("resume", stop+60)); res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	eventually(t, 20*time.Second, func() bool { s, _ := sendTemplate(conv, "promo_natal"); return s == 202 },
		func() string { return "marketing still refused after a resume" })

	// Meta failing a marketing message with 131050 marks its customer opted out as well,
	// whether by status webhook or in the send's answer (Meta: sync or async).
	metaRefuses := func(waID string, inject func(code int)) string {
		t.Helper()
		conv := r.customerWrites(t, r.tenantA, phoneA, waID)
		inject(131050)
		if status, code := sendTemplate(conv, "promo_natal"); status != 202 {
			t.Fatalf("marketing to %s: %d %s", waID, status, code)
		}
		eventually(t, 20*time.Second, func() bool { return optedOut(conv) },
			func() string { return "a 131050 did not mark " + waID + " opted out" })
		return conv
	}
	refusedEventually(metaRefuses("5511955554444", func(code int) { r.meta.FailNextAsync(phoneA, code, 1, fakemeta.To("5511955554444")) }))
	refusedEventually(metaRefuses("5511944443333", func(code int) { r.meta.FailNext(phoneA, code, 1, fakemeta.To("5511944443333")) }))

	// 131049: Meta held back a marketing message to keep the customer's engagement healthy
	// and says another within 24 hours only fails again (WHATSAPP.md §2.3). The next MARKETING
	// template to them is refused, 429 with the wait; a utility template still goes; the
	// customer has not opted out.
	davi := "5511933332222"
	convD := r.customerWrites(t, r.tenantA, phoneA, davi)
	r.meta.FailNextAsync(phoneA, 131049, 1, fakemeta.To(davi))
	if status, code := sendTemplate(convD, "promo_natal"); status != 202 {
		t.Fatalf("marketing to Davi: %d %s", status, code)
	}
	var res enginetest.Response
	eventually(t, 20*time.Second, func() bool {
		res = r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": convD, "templateName": "promo_natal", "language": "pt_BR"})
		return res.Status != 202
	}, func() string {
		var got []string
		for _, m := range r.meta.Sent(phoneA) {
			if m.AsyncErrorCode == 131049 {
				got = append(got, m.WaID)
			}
		}
		return fmt.Sprintf("marketing after a 131049 still accepted (the 131049 went to %v)", got)
	})
	wait, _ := strconv.Atoi(res.Header["Retry-After"])
	if res.Status != 429 || res.Code() != "marketing_held" || wait < 23*3600 || wait > 24*3600 {
		t.Fatalf("marketing after a 131049: %d %s, Retry-After %q", res.Status, res.Body, res.Header["Retry-After"])
	}
	if optedOut(convD) {
		t.Fatal("a 131049 marked the customer opted out")
	}
	if status, code := sendTemplate(convD, "aviso_pedido"); status != 202 {
		t.Fatalf("a utility template after a 131049: %d %s", status, code)
	}
}

// sentTo reports whether Meta accepted the template name for the customer waID.
func sentTo(sent []fakemeta.SentMessage, waID, name string) bool {
	for _, m := range sent {
		if m.WaID == waID && m.Request.Template != nil && m.Request.Template.Name == name {
			return true
		}
	}
	return false
}
