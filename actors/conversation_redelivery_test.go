package actors

import (
	"context"
	"testing"
	"time"
)

// An inbox entry applied just before a crash, whose processed mark the crash lost, is
// delivered again after the restart. The activation indexes only the last 128 messages, while
// a hot conversation stores more than that in the 200 ms between marks (1,400 messages a
// second: 280), so a redelivery of an entry that old stored its message a second time. A
// delivery that says it may repeat one since a time (Deliver.Since) is deduped against every
// message stored since then.
func TestRedeliveryAfterAnActivationIsDedupedSinceItsArrival(t *testing.T) {
	store := openStore(t, t.TempDir())
	client, watch := startGrainsWatched(t, store, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const waID = "5511955557777"
	at := time.Unix(1767225600, 0).UTC()
	arrived := time.Now().Add(-time.Millisecond)
	first := &Deliver{TenantID: tenantA, Contact: Contact{WaID: waID},
		Messages: []Message{{WAMID: "wamid.first", Type: "text", Text: "first", Timestamp: at}}}
	if _, err := client.Deliver(ctx, waID, first); err != nil {
		t.Fatal(err)
	}
	deliverInbound(ctx, t, client, waID, 300, at)
	// Passivated: the next activation indexes the last 128.
	watch.awaitEnded(t, KindConversation, ConversationIdentity(tenantA, waID), 1)

	again := *first
	again.Since = arrived
	res, err := client.Deliver(ctx, waID, &again)
	if err != nil {
		t.Fatal(err)
	}
	page, err := client.Messages(ctx, tenantA, waID, ListMessages{Page: 1, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicates != 1 || res.Added != 0 || page.Total != 301 {
		t.Fatalf("redelivery: %d added, %d duplicates, %d messages; want 0, 1 and 301", res.Added, res.Duplicates, page.Total)
	}
}
