package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

// Meta accepts a template and then fails it in a signed status webhook with a code that acts
// on the account, which the engine handles as it does the same code answering the send
// (WHATSAPP.md §2.2, actors/OUTBOUND.md): 132015 (template paused) refuses the template from
// then on (422 template_not_usable), and 131042 (a payment problem) on a business-initiated
// template stops only business-initiated sends (409 sending_paused) while a reply inside the
// customer's window still goes. Before, the status path left the template sendable and
// paused every send.
func TestAsynchronousTemplateAndPaymentCodes(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), map[string]string{"OUTBOUND_PAUSE_FOR": "10m"})
	tenantAdmin := r.Login(demoEmail, demoPassword)
	for _, name := range []string{"aviso_pedido", "lembrete"} {
		r.meta.AddTemplate(wabaA, name, "pt_BR", graph.TemplateApproved, graph.CategoryUtility,
			[]graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Seu pedido saiu."}})
	}
	if res := r.Post("/api/v1/templates/sync", tenantAdmin, nil); res.Status != 200 {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	sendTemplate := func(customer, name string) (int, string) {
		conv := actors.ConversationID(r.tenantA, customer)
		res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": conv, "templateName": name, "language": "pt_BR"})
		return res.Status, res.Code()
	}
	refusedEventually := func(t *testing.T, customer, name string, status int, code string) {
		t.Helper()
		var got int
		var gotCode string
		eventually(t, 20*time.Second, func() bool {
			got, gotCode = sendTemplate(customer, name)
			return got == status && gotCode == code
		}, func() string {
			return fmt.Sprintf("%s after Meta's failure: %d %s, want %d %s", name, got, gotCode, status, code)
		})
	}

	t.Run("132015 by status webhook: the template is refused from then on", func(t *testing.T) {
		r.meta.FailNextAsync(phoneA, 132015, 1, fakemeta.To("5511977800001"))
		if status, code := sendTemplate("5511977800001", "lembrete"); status != 202 {
			t.Fatalf("template: %d %s", status, code)
		}
		refusedEventually(t, "5511977800002", "lembrete", 422, "template_not_usable")
		if status, code := sendTemplate("5511977800003", "aviso_pedido"); status != 202 {
			t.Fatalf("another template refused: %d %s", status, code)
		}
	})
	t.Run("131042 by status webhook: only business-initiated sends stop", func(t *testing.T) {
		conv := r.customerWrites(t, r.tenantA, phoneA, "5511977800010")
		r.meta.FailNextAsync(phoneA, 131042, 1, fakemeta.To("5511977800011"))
		if status, code := sendTemplate("5511977800011", "aviso_pedido"); status != 202 {
			t.Fatalf("template: %d %s", status, code)
		}
		refusedEventually(t, "5511977800012", "aviso_pedido", 409, "sending_paused")
		sentOnce(t, r, conv, r.send(t, r.agent, conv, "a reply inside the window").ID)
	})
}
