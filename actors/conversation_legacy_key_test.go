package actors

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// A conversation stored before line keys under the other form of a Brazilian mobile (Meta's
// 12-digit wa_id) stays the customer's conversation: the line key's grain finds it, keeps
// its id and its messages, and writes on to it instead of starting a second one.
func TestLineKeyGrainAdoptsAConversationStoredUnderTheOtherForm(t *testing.T) {
	store := openStore(t, t.TempDir())
	client, watch := startGrainsWatched(t, store, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const legacy, line = "551187654321", "5511987654321"
	at := time.Unix(1767225600, 0).UTC()
	old := &Deliver{TenantID: tenantA, Contact: Contact{WaID: legacy, Name: "Ana"},
		Messages: []Message{{WAMID: "wamid.legacy.1", Type: "text", Text: "oi", Timestamp: at}}}
	if _, err := client.Deliver(ctx, legacy, old); err != nil { // as the engine keyed it before
		t.Fatal(err)
	}
	watch.awaitEnded(t, KindConversation, ConversationIdentity(tenantA, legacy), 1) // passivated

	now := &Deliver{TenantID: tenantA, Contact: Contact{WaID: legacy},
		Messages: []Message{{WAMID: "wamid.legacy.2", Type: "text", Text: "tudo bem?", Timestamp: at.Add(time.Minute)}}}
	if r, err := client.Deliver(ctx, line, now); err != nil || r.Added != 1 {
		t.Fatalf("delivery by the line key: %+v %v", r, err)
	}
	sum, err := client.Conversation(ctx, tenantA, line)
	if err != nil || sum.ID != ConversationID(tenantA, legacy) || sum.MessageCount != 2 || sum.Contact.Name != "Ana" {
		t.Fatalf("conversation by the line key: %v %+v", err, sum)
	}
	// Passivated: what was written must be where it is read.
	watch.awaitEnded(t, KindConversation, ConversationIdentity(tenantA, line), 1)
	page, err := client.Messages(ctx, tenantA, line, ListMessages{Page: 1, Limit: 10})
	if err != nil || page.Total != 2 || page.Messages[0].WAMID != "wamid.legacy.1" || page.Messages[1].WAMID != "wamid.legacy.2" {
		t.Fatalf("messages after reactivation: %v %+v", err, page)
	}
	if _, err := store.Snapshots().Load(ctx, KindConversation, ConversationIdentity(tenantA, line)); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("a second conversation was stored under the line key: %v", err)
	}
	list, err := client.Conversations(ctx, tenantA, &QueryConversations{Page: 1, Limit: 10})
	if err != nil || list.Total != 1 {
		t.Fatalf("inbox: %v %+v", err, list)
	}
}
