package actors

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// bucketOutageStore is a real store whose bucket reads fail while down is set, as a store
// that is unreachable fails them.
type bucketOutageStore struct {
	persistence.Store
	down atomic.Bool
}

func (s *bucketOutageStore) Buckets() persistence.Buckets {
	return bucketOutage{Buckets: s.Store.Buckets(), s: s}
}

type bucketOutage struct {
	persistence.Buckets
	s *bucketOutageStore
}

func (b bucketOutage) Get(ctx context.Context, conversation string, seq int) (persistence.Bucket, error) {
	if b.s.down.Load() {
		return persistence.Bucket{}, fmt.Errorf("buckets unreachable (the test's outage): %w", persistence.ErrUnavailable)
	}
	return b.Buckets.Get(ctx, conversation, seq)
}

func (b bucketOutage) GetRange(ctx context.Context, conversation string, from, to int) ([]persistence.Bucket, error) {
	if b.s.down.Load() {
		return nil, fmt.Errorf("buckets unreachable (the test's outage): %w", persistence.ErrUnavailable)
	}
	return b.Buckets.GetRange(ctx, conversation, from, to)
}

// deliverInbound delivers n inbound text messages to the conversation with waID, 20 to a
// delivery, dated a second apart after at.
func deliverInbound(ctx context.Context, t *testing.T, client *Client, waID string, n int, at time.Time) {
	t.Helper()
	for first := 0; first < n; first += 20 {
		d := &Deliver{TenantID: tenantA, Contact: Contact{WaID: waID}}
		for i := first; i < min(n, first+20); i++ {
			d.Messages = append(d.Messages, Message{WAMID: fmt.Sprintf("wamid.in.%s.%d", waID, i), Type: "text", Text: "m",
				Timestamp: at.Add(time.Duration(i+1) * time.Second)})
		}
		if _, err := client.Deliver(ctx, waID, d); err != nil {
			t.Fatal(err)
		}
	}
}

// Regression: a delivery that failed part-way (a status naming a message whose bucket could
// not be read) kept the messages it had added before the failure in memory without marking
// the conversation dirty. Its retry found them duplicates and, the status being one already
// applied, answered at once: acknowledged, so the processor marked the webhook processed,
// yet never written (the next passivation dropped the message for good).
func TestDeliveryFailedPartWayIsWrittenBeforeItsRetryIsAcknowledged(t *testing.T) {
	store := &bucketOutageStore{Store: openStore(t, t.TempDir())}
	client := startGrains(t, store, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const waID = "5511944445555"
	at := time.Unix(1767225600, 0).UTC()

	// An outbound message Meta took, then enough inbound ones that its bucket leaves memory.
	out := Message{ID: "0123456789abcdef01234567", Direction: Outbound, Type: "text", Text: "oi", Status: StatusQueued, Timestamp: at}
	if _, err := client.RecordOutbound(ctx, tenantA, waID, out); err != nil {
		t.Fatal(err)
	}
	if _, err := client.node.Call(ctx, KindConversation, ConversationIdentity(tenantA, waID),
		&OutboundResult{MessageID: out.ID, WAMID: "wamid.out", Status: StatusSent, At: at}); err != nil {
		t.Fatal(err)
	}
	deliverInbound(ctx, t, client, waID, 200, at)

	// A new message with Meta's retry of the status it sent before, while buckets cannot be read.
	d := &Deliver{TenantID: tenantA, Contact: Contact{WaID: waID},
		Messages: []Message{{WAMID: "wamid.new", Type: "text", Text: "still there?", Timestamp: at.Add(time.Hour)}},
		Statuses: []StatusUpdate{{WAMID: "wamid.out", Status: StatusSent, Timestamp: at}}}
	store.down.Store(true)
	if _, err := client.Deliver(ctx, waID, d); err == nil {
		t.Fatal("a delivery whose status could not be placed succeeded")
	}
	store.down.Store(false)
	if _, err := client.Deliver(ctx, waID, d); err != nil {
		t.Fatal(err)
	}
	// Acknowledged: the stored snapshot must count the new message.
	snap, err := store.Snapshots().Load(ctx, KindConversation, ConversationIdentity(tenantA, waID))
	if err != nil {
		t.Fatal(err)
	}
	var stored conversationSnapshot
	if err := unmarshal(snap.Data, &stored); err != nil {
		t.Fatal(err)
	}
	if got, want := stored.Summary.MessageCount, 202; got != want {
		t.Fatalf("stored conversation counts %d messages after the delivery was acknowledged, want %d", got, want)
	}
}
