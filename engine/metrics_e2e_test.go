package engine_test

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// /metrics is open unless METRICS_TOKEN is set, so what it exposes must not identify a
// tenant or a customer: after a tenant's inbound message, a read of the conversation, a
// send and its statuses, no tenant id, conversation id, customer number, wamid or message
// id appears in it (labels are route patterns, methods and statuses; counters carry none).
func TestMetricsExposeNoTenantData(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	conv, wamid := r.customerSays(t, r.tenantA, phoneA, userWaID)
	sent := r.send(t, r.agent, conv, "Olá")
	if res := r.Get("/api/v1/messages/"+conv+"/"+sent.ID, r.agent); res.Status != 200 {
		t.Fatalf("message by id: %d %s", res.Status, res.Body)
	}
	res := r.Get("/metrics", "")
	if res.Status != 200 {
		t.Fatalf("/metrics: %d", res.Status)
	}
	body := string(res.Body)
	if !strings.Contains(body, `route="/api/v1/messages/{conversationId}/{messageId}"`) {
		t.Fatalf("the message read is not counted by its route pattern:\n%s", body)
	}
	for name, v := range map[string]string{"tenant id": r.tenantA, "conversation id": conv, "customer number": userWaID,
		"phone number id": phoneA, "wamid": wamid, "message id": sent.ID} {
		if strings.Contains(body, v) {
			t.Errorf("/metrics exposes the %s %s", name, v)
		}
	}
}
