package engine_test

import (
	"testing"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// A template to the tenant's own number — in any of the forms a client may write it — is a
// 400 naming conversationId, and nothing is queued, recorded or sent. Before, it was a 202,
// opened a conversation of the business with itself in the inbox, and failed with Meta's
// 131021 ("Recipient cannot be sender").
func TestTemplateToTheTenantsOwnNumberIsRefused(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	r.meta.AddDemoTemplates(wabaA)
	if res := r.Post("/api/v1/templates/sync?tenantId="+r.tenantA, r.admin, nil); res.Status != 200 {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	own := actors.ConversationID(r.tenantA, "15550123456") // the seed's +15550123456
	res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": own,
		"templateName": "order_shipped", "language": "pt_BR", "components": orderShipped})
	if d := res.Envelope.Error.Details; res.Status != 400 || res.Code() != "validation_failed" || len(d) != 1 || d[0].Field != "conversationId" {
		t.Fatalf("a template to the tenant's own number: %d %s", res.Status, res.Body)
	}
	if res := r.Get("/api/v1/conversations/"+own, r.agent); res.Status != 404 {
		t.Fatalf("the refused template started a conversation: %d %s", res.Status, res.Body)
	}
	// A customer's number is not the business's: the same template to one goes out.
	res = r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": actors.ConversationID(r.tenantA, "15550123457"),
		"templateName": "order_shipped", "language": "pt_BR", "components": orderShipped})
	if res.Status != 202 {
		t.Fatalf("a template to a customer: %d %s", res.Status, res.Body)
	}
	if n := r.meta.Stats().Numbers[phoneA].Requests; n > 1 {
		t.Fatalf("Meta saw %d requests, want the customer's send alone", n)
	}
}
