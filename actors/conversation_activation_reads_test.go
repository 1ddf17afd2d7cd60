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
	mu    sync.Mutex
	reads []string // "get <seq>" or "range <from>-<to>", in order
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

// passivatedConversation stores n inbound messages of waID, a second apart from at, through
// grains on a recording store, and returns once the conversation has passivated.
func passivatedConversation(t *testing.T, waID string, n int) (*bucketReadStore, *Client, *grainWatch, time.Time) {
	t.Helper()
	store := &bucketReadStore{Store: openStore(t, t.TempDir())}
	client, watch := startGrainsWatched(t, store, 100*time.Millisecond)
	at := time.Unix(1767225600, 0).UTC()
	deliverInbound(t.Context(), t, client, waID, n, at)
	watch.awaitEnded(t, KindConversation, ConversationIdentity(tenantA, waID), 1)
	return store, client, watch, at
}

// An activation reads the buckets it warms in one GetRange, not one Get a bucket (on MongoDB
// each Get is two reads: the copies and the manifest), and indexes them as before: a
// redelivery of a message in them is a duplicate.
func TestActivationReadsItsBucketsAtOnce(t *testing.T) {
	const waID = "5511966667777"
	store, client, _, at := passivatedConversation(t, waID, 200) // buckets 0 to 12
	ctx := t.Context()
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

// A lookup beyond the index (GetMessage of an id the last 128 messages do not hold, after an
// activation) searches up to lookupWindow messages of the store newest first: it reads the
// buckets that are not in memory activationBuckets at a time, not one Get each (two reads a
// bucket on MongoDB, 112 for a miss), and still finds what it looks for or nothing.
func TestLookupReadsStoredBucketsInRanges(t *testing.T) {
	const waID = "5511966668888"
	store, client, watch, _ := passivatedConversation(t, waID, 400) // buckets 0 to 24; 17 to 24 warm
	ctx := t.Context()
	for i, tc := range []struct {
		id    string
		found bool
		reads []string // after the activation's
	}{
		// Buckets 16 down to 9, 8 down to 1, then 0.
		{"wamid.unknown", false, []string{"range 9-17", "range 1-9", "range 0-1"}},
		{fmt.Sprintf("wamid.in.%s.%d", waID, 150), true, []string{"range 9-17"}},
	} {
		if i > 0 {
			watch.awaitEnded(t, KindConversation, ConversationIdentity(tenantA, waID), i+1)
		}
		before := len(store.since(0))
		found, err := client.Message(ctx, tenantA, waID, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if found.Found != tc.found || (tc.found && found.Message.WAMID != tc.id) {
			t.Fatalf("looked up %s: %+v, want found %v", tc.id, found, tc.found)
		}
		want := append([]string{"range 17-25"}, tc.reads...)
		if reads := store.since(before); !slices.Equal(reads, want) {
			t.Fatalf("looking up %s read %v, want %v", tc.id, reads, want)
		}
	}
}

// A page of older messages (not in memory) reads its buckets in one range, not one Get each.
func TestOlderPageReadsItsBucketsAtOnce(t *testing.T) {
	const waID = "5511966669999"
	store, client, _, _ := passivatedConversation(t, waID, 400) // buckets 0 to 24; 17 to 24 warm
	before := len(store.since(0))
	page, err := client.Messages(t.Context(), tenantA, waID, ListMessages{Page: 3, Limit: 100}) // messages 100 to 199
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Messages) != 100 || page.Messages[0].WAMID != "wamid.in."+waID+".100" || page.Messages[99].WAMID != "wamid.in."+waID+".199" {
		t.Fatalf("page 3 of 100: %d messages, want messages 100 to 199", len(page.Messages))
	}
	if reads := store.since(before); !slices.Equal(reads, []string{"range 17-25", "range 6-13"}) {
		t.Fatalf("the activation and the page read %v, want ranges 17-25 and 6-13", reads)
	}
}
