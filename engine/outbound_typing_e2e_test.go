package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// PUT /conversations/:id/typing shows the customer "typing…" on their last message: one
// typing request at Meta, which marks the message read, and the conversation read here too.
// A conversation the customer never wrote in has nothing to show it on.
func TestTypingIndicator(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	conv := r.customerWrites(t, r.tenantA, phoneA, "5511900000888")
	res := r.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/typing", Token: r.agent})
	var d struct{ Conversation conversationView }
	if res.Status != 200 {
		t.Fatalf("typing: %d %s", res.Status, res.Body)
	}
	res.Data(t, &d)
	if d.Conversation.UnreadCount != 0 {
		t.Fatalf("the conversation is still unread: %+v", d.Conversation)
	}
	eventually(t, 30*time.Second, func() bool { return r.meta.Stats().Numbers[phoneA].Typing == 1 },
		func() string { return fmt.Sprintf("Meta saw %+v", r.meta.Stats().Numbers[phoneA]) })

	r.meta.AddDemoTemplates(wabaA)
	if res := r.Post("/api/v1/templates/sync?tenantId="+r.tenantA, r.admin, nil); res.Status != 200 {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	fresh := actors.ConversationID(r.tenantA, "5511977774444")
	if res := r.Post("/api/v1/messages/send-template", r.agent, map[string]any{"conversationId": fresh, "templateName": "login_code", "language": "pt_BR",
		"components": []map[string]any{{"type": "body", "parameters": []map[string]any{{"type": "text", "text": "123456"}}},
			{"type": "button", "sub_type": "url", "index": "0", "parameters": []map[string]any{{"type": "text", "text": "123456"}}}}}); res.Status != 202 {
		t.Fatalf("template to a new customer: %d %s", res.Status, res.Body)
	}
	res = r.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + fresh + "/typing", Token: r.agent})
	if res.Status != 422 || res.Code() != "rule_refused" {
		t.Fatalf("typing where the customer never wrote: %d %s", res.Status, res.Body)
	}
	if n := r.meta.Stats().Numbers[phoneA].Typing; n != 1 {
		t.Fatalf("Meta saw %d typing indicators, want 1", n)
	}
}
