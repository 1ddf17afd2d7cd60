package engine_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/internal/fixtures"
)

// A reply's replyTo and a reaction's messageId take the id a send answered as GET
// /messages/:id/:messageId does, and go out with that message's wamid, an Idempotency-Key
// repeat included; one that has no wamid yet is a 409. A reaction names what Meta delivers
// a reaction on: not a reaction, nor a message more than 30 days old (Meta fails those with
// 131009 after our 202). Before, an id was a 400, and both reactions were a 202.
func TestSendsQuoteMessagesByIdOrWAMID(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	// The fixtures' text and the customer's reaction, both of early 2026: more than 30 days
	// old now. Then a message of today opens the window.
	var old []string
	for _, name := range []string{"webhooks/inbound_text.json", "webhooks/inbound_reaction.json"} {
		body := fixtures.Read(t, name)
		if res := postWebhook(t, r.Node, body); res.Status != 200 {
			t.Fatalf("%s: %d %s", name, res.Status, res.Body)
		}
		var w struct {
			Entry []struct {
				Changes []struct {
					Value struct{ Messages []struct{ ID string } }
				}
			}
		}
		if err := json.Unmarshal(body, &w); err != nil {
			t.Fatal(err)
		}
		old = append(old, w.Entry[0].Changes[0].Value.Messages[0].ID)
	}
	conv, fresh := r.customerSays(t, r.tenantA, phoneA, userWaID)
	eventually(t, 30*time.Second, func() bool { return len(messages(t, r.Node, r.agent, conv)) == 3 },
		func() string { return fmt.Sprintf("conversation holds %+v", messages(t, r.Node, r.agent, conv)) })

	before := r.meta.Stats().Numbers[phoneA].Requests
	for _, tc := range []struct{ name, target, why string }{
		{"a reaction", old[1], "is a reaction"},
		{"a message of 40 days ago", old[0], "more than 30 days old"},
	} {
		res := r.Post("/api/v1/messages/send-reaction", r.agent, map[string]any{"conversationId": conv, "messageId": tc.target, "emoji": "👍"})
		if d := res.Envelope.Error.Details; res.Status != 400 || len(d) != 1 || d[0].Field != "messageId" || !strings.Contains(d[0].Message, tc.why) {
			t.Fatalf("a reaction to %s: %d %s", tc.name, res.Status, res.Body)
		}
	}
	if n := r.meta.Stats().Numbers[phoneA].Requests; n != before {
		t.Fatalf("refused reactions reached Meta: %d requests, %d before", n, before)
	}
	r.sendThrough(t, conv, "/api/v1/messages/send-reaction", map[string]any{"conversationId": conv, "messageId": fresh, "emoji": "👍"},
		"reaction", "👍", func(m map[string]any) bool { re, _ := m["reaction"].(map[string]any); return re["message_id"] == fresh })

	// A reply to our own message by the id its send answered goes out quoting its wamid.
	// (sendThrough wants content, which text has none of.)
	sendText := func(body map[string]any) (id string, atMeta map[string]any) {
		t.Helper()
		res := r.Post("/api/v1/messages/send", r.agent, body)
		if res.Status != 202 {
			t.Fatalf("send %v: %d %s", body, res.Status, res.Body)
		}
		var d struct{ Message queuedView }
		res.Data(t, &d)
		eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[d.Message.ID] == 1 },
			func() string { return fmt.Sprintf("%v never reached Meta", body) })
		for _, s := range r.meta.Sent(phoneA) {
			if s.BizOpaqueCallbackData == d.Message.ID {
				if err := json.Unmarshal(s.Body, &atMeta); err != nil {
					t.Fatal(err)
				}
			}
		}
		return d.Message.ID, atMeta
	}
	id, _ := sendText(map[string]any{"conversationId": conv, "body": "Pedido 8812 enviado"})
	var sent messageView
	eventually(t, 30*time.Second, func() bool { sent, _ = messageIn(t, r.Node, r.agent, conv, id); return sent.WAMID != "" },
		func() string { return fmt.Sprintf("the sent message has no wamid: %+v", sent) })
	reply := map[string]any{"conversationId": conv, "body": "Segue o rastreio", "replyTo": id}
	if _, atMeta := sendText(reply); fmt.Sprint(atMeta["context"]) != fmt.Sprint(map[string]any{"message_id": sent.WAMID}) {
		t.Fatalf("a reply by id reached Meta as %v, want it quoting %s", atMeta, sent.WAMID)
	}
	// Its Idempotency-Key repeat is the same request, answered as a replay.
	keyed := enginetest.Request{Method: "POST", Path: "/api/v1/messages/send", Token: r.agent, Body: reply,
		Header: map[string]string{"Idempotency-Key": "reply-by-id-1"}}
	first := r.Do(keyed)
	again := r.Do(keyed)
	if first.Status != 202 || again.Status != 202 || again.Header["Idempotent-Replayed"] != "true" {
		t.Fatalf("a keyed reply by id, twice: %d %s, then %d %s", first.Status, first.Body, again.Status, again.Body)
	}

	// A message Meta has not answered yet has no wamid to quote: 409, and nothing is sent.
	r.meta.DropNextResponses(phoneA, 1)
	r.meta.DelayNextStatuses(phoneA, time.Minute, 1)
	res := r.Post("/api/v1/messages/send", r.agent, map[string]any{"conversationId": conv, "body": "Um momento"})
	if res.Status != 202 {
		t.Fatalf("send: %d %s", res.Status, res.Body)
	}
	var q struct{ Message queuedView }
	res.Data(t, &q)
	var last int
	eventually(t, 30*time.Second, func() bool {
		res := r.Post("/api/v1/messages/send", r.agent, map[string]any{"conversationId": conv, "body": "Veja acima", "replyTo": q.Message.ID})
		last = res.Status
		return res.Status == 409 && res.Code() == "conflict"
	}, func() string { return fmt.Sprintf("a reply to a message Meta has not answered: %d", last) })
}
