package actors

import (
	"errors"
	"testing"
)

// Statuses of messages the engine never sent, to a customer it has no conversation with
// (another app on the same WABA), are ignored: no empty conversation in the inbox. One that
// carries callback data may be about one of ours whose record a crash lost, and is held.
func TestForeignStatusesCreateNoConversation(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	deliver := func(to string, st StatusUpdate) DeliverResult {
		t.Helper()
		res, err := r.client.Deliver(ctx, to, &Deliver{TenantID: tenant, Contact: Contact{WaID: to}, Statuses: []StatusUpdate{st}})
		if err != nil {
			t.Fatal(err)
		}
		return *res
	}
	if res := deliver("5511830000001", StatusUpdate{WAMID: "wamid.foreign", Status: StatusDelivered, Timestamp: t0}); res.StatusesIgnored != 1 {
		t.Fatalf("foreign status: %+v", res)
	}
	if _, err := r.client.Conversation(ctx, tenant, "5511830000001"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a foreign status created a conversation: %v", err)
	}
	if res := deliver("5511830000002", StatusUpdate{WAMID: "wamid.ours", Status: StatusDelivered, Timestamp: t0, CallbackData: "lost-" + tenant}); res.StatusesHeld != 1 {
		t.Fatalf("status naming one of ours: %+v", res)
	}
	if _, err := r.client.Conversation(ctx, tenant, "5511830000002"); err != nil {
		t.Fatalf("the status naming one of ours was not kept: %v", err)
	}
}
