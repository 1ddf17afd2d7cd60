package mongo

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/switchboard/switchboard/persistence"
)

// A writer inserted v2; before its check that v2 is still the newest, a new activation read
// v2, committed v3 over it and pruned it. v2 is stored and built on: refusing the commit
// would tell its writer that acknowledged work was lost when it is in v3. The check sees
// that v3's parent is this commit and acknowledges it.
func TestCommitBuiltOnBeforeItsCheckIsAcknowledged(t *testing.T) {
	const conv = "t1/builton"
	var inserted, fired atomic.Bool
	var liveErr error
	slow, live := openRivals(t, conv, func(live *Store, e *event.CommandStartedEvent) {
		col, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		switch {
		case col != colSnapshots:
		case e.CommandName == "insert":
			inserted.Store(true)
		case e.CommandName == "find" && inserted.Load() && fired.CompareAndSwap(false, true):
			// Between the slow writer's insert of v2 and its check, the live one commits v3.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			liveErr = live.Snapshots().Commit(ctx, lateSnapshot(conv, 3, "live"), lateBuckets(conv, 3, "live", 6)[1:])
		}
	})
	ctx := t.Context()
	err := slow.Snapshots().Commit(ctx, lateSnapshot(conv, 2, "slow"), lateBuckets(conv, 2, "slow", 4))
	if !fired.Load() || liveErr != nil {
		t.Fatalf("live v3 between the slow insert and its check: ran %v, %v", fired.Load(), liveErr)
	}
	if err != nil {
		t.Fatalf("slow v2, stored and built on by v3: %v, want it acknowledged", err)
	}
	// v3 holds v2's bucket 0 and its own bucket 1.
	got, err := live.Snapshots().Load(ctx, "conversation", conv)
	if err != nil || got.Version != 3 {
		t.Fatalf("load: v%d, %v; want v3", got.Version, err)
	}
	for seq, want := range [][]byte{lateBuckets(conv, 2, "slow", 4)[0].Data, lateBuckets(conv, 3, "live", 6)[1].Data} {
		if b, err := live.Buckets().Get(ctx, conv, seq); err != nil || string(b.Data) != string(want) {
			t.Fatalf("bucket %d: %s, %v; want %s", seq, b.Data, err, want)
		}
	}
}

// superseded, on planted versions: a newer version is no conflict only when the next one was
// written over this commit's own (its parent is this commit's mark).
func TestSupersededByParent(t *testing.T) {
	const conv = "t1/parents"
	mine := snapshotDoc{ID: versionID("conversation", conv, 2), Snapshot: lateSnapshot(conv, 2, "mine"), Mark: "2.MINE", Parent: "1.FIRST"}
	for _, tc := range []struct {
		name     string
		newer    map[uint64]string // version → its parent's mark
		conflict bool
	}{
		{"none newer", nil, false},
		{"v3 over mine", map[uint64]string{3: "2.MINE"}, false},
		{"v3 and v4 over mine", map[uint64]string{3: "2.MINE", 4: "3.NEXT"}, false},
		{"v3 over another v2", map[uint64]string{3: "2.OTHER"}, true},
		{"v4 alone (v3 pruned)", map[uint64]string{4: "3.NEXT"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openFresh(t)
			ctx := t.Context()
			first := snapshotDoc{ID: versionID("conversation", conv, 1), Snapshot: lateSnapshot(conv, 1, "first"), Mark: "1.FIRST"}
			docs := []any{first, mine}
			for v, parent := range tc.newer {
				docs = append(docs, snapshotDoc{ID: versionID("conversation", conv, v), Snapshot: lateSnapshot(conv, v, "next"), Parent: parent})
			}
			if _, err := s.snapshots.InsertMany(ctx, docs); err != nil {
				t.Fatal(err)
			}
			older, err := snapshots{s}.superseded(ctx, mine)
			switch {
			case tc.conflict && !errors.Is(err, persistence.ErrVersionConflict):
				t.Fatalf("superseded: %v, want ErrVersionConflict", err)
			case !tc.conflict && (err != nil || len(older) != 1 || older[0].ID != first.ID):
				t.Fatalf("superseded: older %v, %v; want v1 alone and no error", older, err)
			}
		})
	}
}
