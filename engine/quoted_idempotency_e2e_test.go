package engine_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// An Idempotency-Key repeat of a reply naming its quoted message by our id gets the first
// answer (202, the same message, replayed) although that message was sent again since, with
// a new wamid: the repeat is the request the client sent, as Stripe and Twilio compare it.
// Before, the id was resolved to the message's wamid now and the repeat compared under it:
// a 422 idempotency_key_reused for the same body. The same key on a different reply — another
// quoted message, or another text — is still a 422.
func TestKeyedReplyRepeatsAfterItsQuoteIsResent(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	const customer = "5511955550021"
	conv := r.customerWrites(t, r.tenantA, phoneA, customer)
	// Meta accepts the quoted message and fails it a few seconds later with its own trouble
	// (131000): the engine then sends it again, and it gets another wamid.
	r.meta.FailNextAsync(phoneA, 131000, 1, fakemeta.To(customer))
	r.meta.DelayNextStatuses(phoneA, 3*time.Second, 1, fakemeta.To(customer))
	quotedID := r.send(t, r.agent, conv, "Pedido 8812 enviado").ID
	other := r.send(t, r.agent, conv, "Pedido 8813 enviado").ID
	wamidOf := func(id string) (string, []string) {
		m, _ := messageIn(t, r.Node, r.agent, conv, id)
		return m.WAMID, m.RetractedWAMIDs
	}
	var first string
	eventually(t, 30*time.Second, func() bool { first, _ = wamidOf(quotedID); w, _ := wamidOf(other); return first != "" && w != "" },
		func() string { return "the quoted messages never got their wamids" })

	reply := func(replyTo, body string) enginetest.Request {
		return enginetest.Request{Method: "POST", Path: "/api/v1/messages/send", Token: r.agent,
			Body:   map[string]any{"conversationId": conv, "body": body, "replyTo": replyTo},
			Header: map[string]string{"Idempotency-Key": "reply-to-resent-1"}}
	}
	type answer struct {
		Message struct {
			ID      string
			Context *struct{ ReplyTo string }
		}
	}
	res := r.Do(reply(quotedID, "Segue o rastreio"))
	var firstAnswer answer
	if res.Status == 202 {
		res.Data(t, &firstAnswer)
	}
	if res.Status != 202 || firstAnswer.Message.Context == nil || firstAnswer.Message.Context.ReplyTo != first {
		t.Fatalf("the keyed reply: %d %s; want 202 quoting %s", res.Status, res.Body, first)
	}

	var now string
	var retracted []string
	eventually(t, 30*time.Second, func() bool { now, retracted = wamidOf(quotedID); return now != "" && now != first },
		func() string {
			return fmt.Sprintf("the quoted message was never sent again: wamid %q, retracted %v", now, retracted)
		})
	if !slices.Contains(retracted, first) {
		t.Fatalf("the resent message retracted %v, want %s among them", retracted, first)
	}

	res = r.Do(reply(quotedID, "Segue o rastreio"))
	var again answer
	if res.Status == 202 {
		res.Data(t, &again)
	}
	if res.Status != 202 || res.Header["Idempotent-Replayed"] != "true" || again.Message.ID != firstAnswer.Message.ID {
		t.Fatalf("the same keyed reply, its quote resent since: %d %s; want the first answer replayed (%s)", res.Status, res.Body, firstAnswer.Message.ID)
	}
	for _, tc := range []struct{ name, replyTo, body string }{
		{"another quoted message", other, "Segue o rastreio"},
		{"another text", quotedID, "Segue o rastreio atualizado"},
	} {
		if res := r.Do(reply(tc.replyTo, tc.body)); res.Status != 422 || res.Code() != "idempotency_key_reused" {
			t.Errorf("the key on %s: %d %s; want 422 idempotency_key_reused", tc.name, res.Status, res.Body)
		}
	}
}
