package actors

import (
	"errors"
	"testing"
)

// Statuses of messages the engine never sent, to a customer it has no conversation with
// (another app on the same WABA), are ignored: no empty conversation in the inbox. One that
// carries callback data the conversation does not know is answered back, unplaced, for the
// webhook processor to look the id up in the outbox (another app may set callback data
// too: that made an empty conversation per customer it wrote to); placed here (one of
// ours whose record a crash lost), it is held.
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
	unplaced := StatusUpdate{WAMID: "wamid.ours", Status: StatusDelivered, Timestamp: t0, CallbackData: "lost-" + tenant}
	if res := deliver("5511830000002", unplaced); res.StatusesHeld != 0 || len(res.Unplaced) != 1 || res.Unplaced[0].WAMID != unplaced.WAMID || res.Unplaced[0].CallbackData != unplaced.CallbackData {
		t.Fatalf("status with callback data, not placed: %+v", res)
	}
	if _, err := r.client.Conversation(ctx, tenant, "5511830000002"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a status with callback data the outbox was not asked about created a conversation: %v", err)
	}
	if res := deliver("5511830000002", StatusUpdate{WAMID: "wamid.ours", Status: StatusDelivered, Timestamp: t0, CallbackData: "lost-" + tenant, Placed: true}); res.StatusesHeld != 1 {
		t.Fatalf("status naming one of ours: %+v", res)
	}
	if _, err := r.client.Conversation(ctx, tenant, "5511830000002"); err != nil {
		t.Fatalf("the status naming one of ours was not kept: %v", err)
	}
}
