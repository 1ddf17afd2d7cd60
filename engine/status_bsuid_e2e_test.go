package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// A customer first writes under their business-scoped user id only, so the agent answers
// them in the conversation keyed by it. Later they write with their number as well (Meta's
// wa_id beside the user id), and the tenant learns the alias: from then on a status naming
// the user id is routed to the number's conversation. The statuses of a message in the
// BSUID conversation carry its id (biz_opaque_callback_data) and must still reach it, by
// its outbox row: before, the number's conversation held them for good and the message
// stayed sent (no delivered, no read), with fakemeta's own status webhooks (reviewer B,
// finding 1). Nor does the inbox list a conversation with nothing in it.
func TestStatusesOfABSUIDConversationReachItOnceTheNumberIsKnown(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	const bsuid, number = "BR.77778888999900001111", "5511933330000"
	conv := r.customerWrites(t, r.tenantA, phoneA, bsuid)
	first := r.send(t, r.agent, conv, "first reply")
	settledMessage(t, r, conv, first.ID, "read")

	// The customer writes again, Meta naming both their number and their user id.
	body := fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"%s","changes":[{"value":{"messaging_product":"whatsapp",`+
		`"metadata":{"display_phone_number":"15550123456","phone_number_id":"%s"},`+
		`"contacts":[{"profile":{"name":"Duda"},"wa_id":"%s","user_id":"%s"}],`+
		`"messages":[{"from":"%s","from_user_id":"%s","id":"wamid.bsuid-later.1","timestamp":"%d","type":"text","text":{"body":"oi de novo"}}]},"field":"messages"}]}]}`,
		wabaA, phoneA, number, bsuid, number, bsuid, time.Now().Unix())
	if res := postWebhook(t, r.Node, body); res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	phoneConv := actors.ConversationID(r.tenantA, number)
	eventually(t, 30*time.Second, func() bool {
		res := r.Get("/api/v1/conversations/"+phoneConv, r.agent)
		var v struct{ Conversation conversationView }
		if res.Status == 200 {
			res.Data(t, &v)
		}
		return v.Conversation.LastInboundWAMID == "wamid.bsuid-later.1"
	}, func() string { return "the customer's message by number never arrived" })

	// The agent answers in the BSUID conversation; fakemeta reports sent, delivered, read.
	second := r.send(t, r.agent, conv, "second reply")
	m := settledMessage(t, r, conv, second.ID, "read")
	if m.WAMID == "" {
		t.Fatalf("second reply: %+v", m)
	}
	if n := sentTimes(r.meta, phoneA)[second.ID]; n != 1 {
		t.Fatalf("second reply accepted %d times", n)
	}
	// The number's conversation holds the customer's message only.
	if got := messages(t, r.Node, r.agent, phoneConv); len(got) != 1 {
		t.Fatalf("the number's conversation holds %d messages: %+v", len(got), got)
	}
	var list []conversationView
	res := r.Get("/api/v1/conversations?limit=100", r.agent)
	res.Data(t, &list)
	for _, c := range list {
		if c.MessageCount == 0 {
			t.Errorf("the inbox lists %s with no message", c.ID)
		}
	}
}
