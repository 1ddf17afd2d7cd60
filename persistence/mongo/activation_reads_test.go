package mongo

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// activationBuckets is how many of the newest buckets a conversation's activation reads
// (actors: activationMessages / BucketSize).
const activationBuckets = 8

// commandCounter counts the commands a store's driver starts while counting is on.
type commandCounter struct {
	mu       sync.Mutex
	counting bool
	commands []string
}

func (c *commandCounter) started(_ context.Context, e *event.CommandStartedEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counting {
		col, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		c.commands = append(c.commands, e.CommandName+" "+col)
	}
}

// count runs f and returns the commands it sent.
func (c *commandCounter) count(f func()) []string {
	c.mu.Lock()
	c.counting, c.commands = true, nil
	c.mu.Unlock()
	f()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counting = false
	return c.commands
}

// activate reads what a conversation's activation reads (actors, conversationGrain.activate):
// the snapshot, then the newest activationBuckets buckets in one GetRange.
func activate(ctx context.Context, s *Store, conv string, buckets int) ([]persistence.Bucket, error) {
	if _, err := s.Snapshots().Load(ctx, "conversation", conv); err != nil {
		return nil, err
	}
	return s.Buckets().GetRange(ctx, conv, buckets-activationBuckets, buckets)
}

// An activation's reads do not grow with the buckets it loads: the snapshot, then every
// bucket it needs in one query and the manifest that names their committed copies. Each
// conversation is committed over a few versions, so its manifest names copies of several.
func TestActivationReads(t *testing.T) {
	c := &commandCounter{}
	s := openMonitored(t, testenv.MongoURI(t), c.started)
	ctx := t.Context()
	for _, buckets := range []int{1, 5, 40} {
		t.Run(fmt.Sprintf("%d buckets", buckets), func(t *testing.T) {
			conv := fmt.Sprintf("t1/reads%d", buckets)
			msgs := 4 * buckets // lateBuckets holds four messages a bucket
			all := lateBuckets(conv, 1, "live", msgs)
			if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 1, "live"), all); err != nil {
				t.Fatal(err)
			}
			// Two more versions rewrite the open bucket, as steady commits do.
			for v := uint64(2); v <= 3; v++ {
				open := lateBuckets(conv, v, "live", msgs)[buckets-1]
				if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, v, "live"), []persistence.Bucket{open}); err != nil {
					t.Fatal(err)
				}
			}
			var got []persistence.Bucket
			var err error
			reads := c.count(func() { got, err = activate(ctx, s, conv, buckets) })
			if err != nil {
				t.Fatal(err)
			}
			want := min(buckets, activationBuckets)
			if len(got) != want || string(got[want-1].Data) != string(lateBuckets(conv, 3, "live", msgs)[buckets-1].Data) {
				t.Fatalf("activation read %d buckets (last %s), want %d ending in v3's open one", len(got), got[len(got)-1].Data, want)
			}
			gets := c.count(func() { _, err = s.Buckets().Get(ctx, conv, buckets-1) })
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d buckets: activation %d commands %v; one Get %d commands", buckets, len(reads), reads, len(gets))
			if len(reads) > 3 {
				t.Errorf("an activation of %d buckets sends %d commands, want at most 3 (snapshot, copies, manifest): %v", buckets, len(reads), reads)
			}
			if len(gets) > 2 {
				t.Errorf("a Get sends %d commands, want at most 2: %v", len(gets), gets)
			}
		})
	}
}
