package actors

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// bucketReadStore is a real store that records the bucket reads of its callers.
type bucketReadStore struct {
	persistence.Store
	mu     sync.Mutex
	reads  []string // "get <seq>" or "range <from>-<to>", in order
	ranges int
}

func (s *bucketReadStore) Buckets() persistence.Buckets {
	return bucketReads{Buckets: s.Store.Buckets(), s: s}
}

func (s *bucketReadStore) record(read string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads = append(s.reads, read)
}

// since returns the reads recorded after the first n.
func (s *bucketReadStore) since(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reads[n:])
}

type bucketReads struct {
	persistence.Buckets
	s *bucketReadStore
}

func (b bucketReads) Get(ctx context.Context, conversation string, seq int) (persistence.Bucket, error) {
	b.s.record(fmt.Sprint("get ", seq))
	return b.Buckets.Get(ctx, conversation, seq)
}

func (b bucketReads) GetRange(ctx context.Context, conversation string, from, to int) ([]persistence.Bucket, error) {
	b.s.record(fmt.Sprintf("range %d-%d", from, to))
	return b.Buckets.GetRange(ctx, conversation, from, to)
}

// An activation reads the buckets it warms in one GetRange, not one Get a bucket (on MongoDB
// each Get is two reads: the copies and the manifest), and indexes them as before: a
// redelivery of a message in them is a duplicate.
func TestActivationReadsItsBucketsAtOnce(t *testing.T) {
	store := &bucketReadStore{Store: openStore(t, t.TempDir())}
	client, watch := startGrainsWatched(t, store, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const waID = "5511966667777"
	at := time.Unix(1767225600, 0).UTC()
	deliverInbound(ctx, t, client, waID, 200, at) // buckets 0 to 12
	watch.awaitEnded(t, KindConversation, ConversationIdentity(tenantA, waID), 1)

	before := len(store.since(0))
	again := &Deliver{TenantID: tenantA, Contact: Contact{WaID: waID}, Messages: []Message{
		{WAMID: fmt.Sprintf("wamid.in.%s.%d", waID, 199), Type: "text", Text: "m", Timestamp: at.Add(200 * time.Second)},
		{WAMID: fmt.Sprintf("wamid.in.%s.%d", waID, 80), Type: "text", Text: "m", Timestamp: at.Add(81 * time.Second)},
	}}
	res, err := client.Deliver(ctx, waID, again)
	if err != nil {
		t.Fatal(err)
	}
	if reads := store.since(before); !slices.Equal(reads, []string{"range 5-13"}) {
		t.Fatalf("the activation read buckets %v, want the last eight (5 to 12) in one range", reads)
	}
	if res.Duplicates != 2 || res.Added != 0 {
		t.Fatalf("redelivered messages 199 and 80 (in the warmed buckets): %+v, want both duplicates", res)
	}
}
