package actors

import (
	"context"
	"testing"
	"time"
)

// Regression: the sender's outcomes carry the message, to restore a record the conversation
// lost, and the conversation restored it whenever its index did not name the message. After
// an activation the index names only the last 128 messages, so the outcome of a message that
// waited longer (a pause, Meta's trouble, a long queue) while the conversation went on and
// passivated added a second copy of it: the first stayed "queued" for good beside it.
func TestOutcomeOfAnOlderMessageAddsNoCopy(t *testing.T) {
	store := openStore(t, t.TempDir())
	client, watch := startGrainsWatched(t, store, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const waID = "5511955556666"
	at := time.Unix(1767225600, 0).UTC()
	out := Message{ID: "0123456789abcdef0123abcd", Type: "text", Text: "seu pedido", Status: StatusQueued, Timestamp: at}
	if _, err := client.RecordOutbound(ctx, tenantA, waID, out); err != nil {
		t.Fatal(err)
	}
	deliverInbound(ctx, t, client, waID, 180, at)
	// Passivated: the next activation indexes the last 128.
	watch.awaitEnded(t, KindConversation, ConversationIdentity(tenantA, waID), 1)

	for _, res := range []*OutboundResult{
		{MessageID: out.ID, WAMID: "wamid.out", Status: StatusSent, At: at.Add(time.Hour), Message: &out},
		{MessageID: out.ID, Status: StatusDelivered, At: at.Add(time.Hour), Message: &out},
	} {
		if _, err := client.node.Call(ctx, KindConversation, ConversationIdentity(tenantA, waID), res); err != nil {
			t.Fatal(err)
		}
	}
	copies, status, total := 0, "", 0
	for p := 1; ; p++ {
		page, err := client.Messages(ctx, tenantA, waID, ListMessages{Page: p, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Messages {
			if m.ID == out.ID {
				copies++
				status = m.Status
			}
		}
		if total = page.Total; p*100 >= total {
			break
		}
	}
	if copies != 1 || status != StatusDelivered || total != 181 {
		t.Fatalf("%d copies of the message (status %s), %d messages; want 1 (delivered) of 181", copies, status, total)
	}
}
