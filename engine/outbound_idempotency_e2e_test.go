package engine_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
)

// A send named by an Idempotency-Key reaches Meta once however often the client repeats
// it: a repeat is answered 202 with the same message and Idempotent-Replayed, sequential or
// racing the first try; the same key on another message is a 422 that stores nothing; a
// malformed key (too long, empty, not printable) is a 400.
func stepIdempotencyKey(t *testing.T, r *metaRig) {
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511900000321")
	post := func(path, key string, body map[string]any) enginetest.Response {
		return r.Do(enginetest.Request{Method: "POST", Path: path, Token: r.agent, Body: body,
			Header: map[string]string{"Idempotency-Key": key}})
	}
	text := map[string]any{"conversationId": conv, "body": "Seu pedido saiu para entrega"}
	queued := func(res enginetest.Response) queuedView {
		t.Helper()
		if res.Status != 202 {
			t.Fatalf("send: %d %s", res.Status, res.Body)
		}
		var d struct{ Message queuedView }
		res.Data(t, &d)
		return d.Message
	}

	first := post("/api/v1/messages/send", "order-8812-shipped", text)
	m := queued(first)
	if first.Header["Idempotent-Replayed"] != "" {
		t.Fatalf("a first send marked replayed: %v", first.Header)
	}
	eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[m.ID] == 1 },
		func() string { return "the keyed send never reached Meta" })

	// The repeat answers the message as it stands, as GET shows it: read once the customer
	// read it (it answered the outbox's state, sent, a status going backwards).
	var shown messageView
	eventually(t, 30*time.Second, func() bool { shown, _ = messageIn(t, r.Node, r.agent, conv, m.ID); return shown.Status == "read" },
		func() string { return fmt.Sprintf("the keyed send never showed read: %+v", shown) })
	again := post("/api/v1/messages/send", "order-8812-shipped", text)
	if rm := queued(again); rm.ID != m.ID || rm.ConversationID != conv || again.Header["Idempotent-Replayed"] != "true" || rm.Status != "read" {
		t.Fatalf("repeat answered %+v, headers %v; want message %s replayed as it stands (read)", rm, again.Header, m.ID)
	}
	// "previewUrl": false is Meta's default, the same message as without it.
	explicit := map[string]any{"conversationId": conv, "body": "Seu pedido saiu para entrega", "previewUrl": false}
	if res := post("/api/v1/messages/send", "order-8812-shipped", explicit); queued(res).ID != m.ID || res.Header["Idempotent-Replayed"] != "true" {
		t.Fatalf("the repeat with previewUrl false: %d %s", res.Status, res.Body)
	}

	for _, tc := range []struct {
		name, path string
		body       map[string]any
	}{
		{"another text", "/api/v1/messages/send", map[string]any{"conversationId": conv, "body": "Outro texto"}},
		{"a validity of its own", "/api/v1/messages/send", map[string]any{"conversationId": conv, "body": "Seu pedido saiu para entrega", "validFor": 100}},
		{"a template", "/api/v1/messages/send-template", map[string]any{"conversationId": conv, "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped}},
	} {
		if res := post(tc.path, "order-8812-shipped", tc.body); res.Status != 422 || res.Code() != "idempotency_key_reused" {
			t.Fatalf("%s under a used key: %d %s", tc.name, res.Status, res.Body)
		}
	}
	for _, key := range []string{strings.Repeat("k", 256), "", "pedido\t8812"} {
		if res := post("/api/v1/messages/send", key, text); res.Status != 400 || res.Code() != "validation_failed" ||
			len(res.Envelope.Error.Details) != 1 || res.Envelope.Error.Details[0].Field != "Idempotency-Key" {
			t.Fatalf("key %.20q: %d %s", key, res.Status, res.Body)
		}
	}

	// Repeats racing the first try: the tenant's insert conflicts and answers the stored row.
	// Each try's validity ends validFor after its own arrival: the same validFor all the same.
	const racers = 6
	ids := make([]string, racers)
	raced := map[string]any{"conversationId": conv, "body": "Pedido 8813 a caminho", "validFor": 3600}
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			res := post("/api/v1/messages/send", "order-8813-shipped", raced)
			if res.Status == 202 {
				var d struct{ Message queuedView }
				res.Data(t, &d)
				ids[i] = d.Message.ID
			} else {
				ids[i] = fmt.Sprintf("%d %s", res.Status, res.Body)
			}
		})
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("racing repeats answered %v; want one message id", ids)
		}
	}
	eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[ids[0]] == 1 },
		func() string { return "the raced send never reached Meta" })
	if again := post("/api/v1/messages/send", "order-8813-shipped", raced); again.Status != 202 || again.Header["Idempotent-Replayed"] != "true" {
		t.Fatalf("a later repeat with the same validFor: %d %s", again.Status, again.Body)
	}
	for _, validFor := range []any{nil, 3599} {
		other := map[string]any{"conversationId": conv, "body": "Pedido 8813 a caminho"}
		if validFor != nil {
			other["validFor"] = validFor
		}
		if res := post("/api/v1/messages/send", "order-8813-shipped", other); res.Status != 422 || res.Code() != "idempotency_key_reused" {
			t.Fatalf("validFor %v under a key used with 3600: %d %s", validFor, res.Status, res.Body)
		}
	}

	// Settled (sent or later: the outbox never sends a settled row again), each keyed message
	// is in its conversation once and was at Meta once.
	eventually(t, 30*time.Second, func() bool {
		seen, settled := map[string]int{}, 0
		for _, msg := range messages(t, r.Node, r.agent, conv) {
			seen[msg.ID]++
			if (msg.ID == m.ID || msg.ID == ids[0]) && within(msg.Status, "sent", "delivered", "read") {
				settled++
			}
		}
		return seen[m.ID] == 1 && seen[ids[0]] == 1 && len(seen) == 3 && settled == 2 // and the customer's message
	}, func() string { return fmt.Sprintf("conversation holds %+v", messages(t, r.Node, r.agent, conv)) })
	if n := sentTimes(r.meta, phoneA); n[m.ID] != 1 || n[ids[0]] != 1 {
		t.Fatalf("Meta got the keyed sends %d and %d times", n[m.ID], n[ids[0]])
	}
}
