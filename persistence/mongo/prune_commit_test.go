package mongo

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// A stale activation's commit (of a version the live activation already stored) is refused
// before it writes a bucket: its buckets used to land first and replace the live ones, and
// the stored snapshot then counted messages no bucket held.
func TestStaleCommitLeavesTheLiveBuckets(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	sn := s.Snapshots()
	conv := "t1/5511"
	snap := func(v uint64, data string) persistence.Snapshot {
		return persistence.Snapshot{Kind: "conversation", Identity: conv, Version: v, Data: []byte(data), UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	}
	bucket := func(data string, n int) []persistence.Bucket {
		return []persistence.Bucket{{Conversation: conv, Seq: 0, Count: n, Data: []byte(data), UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}}
	}
	if err := sn.Commit(ctx, snap(1, "count 1"), bucket(`["m1"]`, 1)); err != nil {
		t.Fatal(err)
	}
	// Live activation B appends m2, m3 and commits v2.
	if err := sn.Commit(ctx, snap(2, "count 3"), bucket(`["m1","m2","m3"]`, 3)); err != nil {
		t.Fatal(err)
	}
	// Stale activation A (loaded v1) appends its own m2' and commits v2: refused.
	err := sn.Commit(ctx, snap(2, "count 2 (stale)"), bucket(`["m1","m2'"]`, 2))
	if !errors.Is(err, persistence.ErrVersionConflict) {
		t.Fatalf("stale commit: %v, want ErrVersionConflict", err)
	}
	got, _ := sn.Load(ctx, "conversation", conv)
	b, _ := s.Buckets().Get(ctx, conv, 0)
	t.Logf("snapshot v%d %q; bucket 0 count %d %s", got.Version, got.Data, b.Count, b.Data)
	if string(b.Data) != `["m1","m2","m3"]` {
		t.Fatalf("refused stale commit replaced the live bucket: snapshot v%d %q counts 3, bucket holds %s", got.Version, got.Data, b.Data)
	}
}

// PruneSettled reads the ids of settled rows, then deletes them: a row that leaves its final
// state in between (sent → queued after Meta's 131000, failed → queued on an idempotent
// revive) is pending again and stays. The delete used to filter on _id alone.
func TestPruneKeepsARowQueuedAgainMeanwhile(t *testing.T) {
	uri := testenv.MongoURI(t)
	db := testenv.UniqueName("sbtest_")
	other, err := Open(t.Context(), uri, db)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var requeueErr error
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if e.CommandName != "delete" {
			return
		}
		if c, _ := e.Command.Lookup("delete").StringValueOK(); c != colOutbox {
			return
		}
		once.Do(func() {
			// Another node requeues the message (sent → queued, retracted) between the
			// prune's find and its delete.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			m, err := other.Outbox().Get(ctx, "m-1")
			if err != nil {
				requeueErr = err
				return
			}
			m.Retracted = append(m.Retracted, m.WAMID)
			m.State, m.WAMID = persistence.OutboxQueued, ""
			requeueErr = other.Outbox().Transition(ctx, persistence.OutboxSent, m)
		})
	}}
	s, err := open(t.Context(), uri, db, Options{}, options.Client().SetMonitor(mon))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.db.Drop(ctx)
		_ = s.Close(ctx)
		_ = other.Close(ctx)
	})
	ctx := t.Context()
	old := time.Now().Add(-8 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	m := persistence.OutboxMessage{ID: "m-1", TenantID: "t1", State: persistence.OutboxSending, Request: []byte("{}"), CreatedAt: old, UpdatedAt: old}
	if err := s.Outbox().Enqueue(ctx, []persistence.OutboxMessage{m}); err != nil {
		t.Fatal(err)
	}
	m.State, m.WAMID = persistence.OutboxSent, "wamid.1"
	if err := s.Outbox().Transition(ctx, persistence.OutboxSending, m); err != nil {
		t.Fatal(err)
	}
	n, err := s.Outbox().PruneSettled(ctx, time.Now().Add(-7*24*time.Hour), 100)
	if err != nil || requeueErr != nil {
		t.Fatalf("prune: %d %v; requeue: %v", n, err, requeueErr)
	}
	got, err := s.Outbox().Get(ctx, "m-1")
	t.Logf("pruned %d; row after prune: state %q, err %v", n, got.State, err)
	if err != nil {
		t.Fatalf("a queued (pending) message was pruned: %v", err)
	}
}
