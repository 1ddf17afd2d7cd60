package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// storedIDs lists the _ids of col's documents that match filter, in order.
func storedIDs(t *testing.T, s *Store, col collection, filter bson.D) []string {
	t.Helper()
	docs, err := findAll[struct {
		ID string `bson:"_id"`
	}](t.Context(), col, filter, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	slices.Sort(ids)
	return ids
}

// After each commit only the new version and the bucket copies it names are stored: the
// older version and the copies it replaced are pruned, in deletes of at most
// MaxDocsPerUpdate documents (a commit here rewrites more buckets than that).
func TestCommitPrunesWhatItReplaced(t *testing.T) {
	w := &updateWatcher{sizes: map[string][]int{}}
	s := openMonitored(t, testenv.MongoURI(t), w.started)
	ctx := t.Context()
	const conv = "t1/prune"
	msgs := 4 * (persistence.MaxDocsPerUpdate + 5) // buckets of four messages
	for v := uint64(1); v <= 3; v++ {
		if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, v, "live"), lateBuckets(conv, v, "live", msgs)); err != nil {
			t.Fatalf("commit v%d: %v", v, err)
		}
		snaps := storedIDs(t, s, s.snapshots, byIdentity("conversation", conv))
		if want := []string{versionID("conversation", conv, v)}; !slices.Equal(snaps, want) {
			t.Fatalf("after v%d snapshots stored: %v, want %v", v, snaps, want)
		}
		copies := storedIDs(t, s, s.buckets, bson.D{{Key: "conversation", Value: conv}})
		if len(copies) != msgs/4 {
			t.Fatalf("after v%d %d bucket copies stored, want %d", v, len(copies), msgs/4)
		}
		// v1 replaces nothing; later ones one version and 45 copies (40 + 5).
		w.check(t, "delete", min(3, 3*int(v-1)))
	}
	wantLatest(t, s, conv, 3, msgs)
}

// What a dead or stale writer leaves (a version older than the newest, inserted late; bucket
// copies no version names) is never read, and a later commit prunes it: older versions at
// once, unnamed copies when a sweep runs. Each trigger of a sweep is a case of its own, so a
// broken one shows: a second older version (a late or concurrent writer was here), a commit
// that starts a new activation's run (its epoch changed), every 16th version; without any,
// the copies stay. A copy of a later version than the committing one (a commit under way)
// always stays.
func TestCommitPrunesLeftovers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before uint64 // versions committed before the one under test
		stale  bool   // plant a late insert of an older version
		epoch  uint64 // of the version under test; the ones before have 1
		sweeps bool
	}{
		{"an older version inserted late", 4, true, 1, true},
		{"a new activation's run", 4, false, 100, true},
		{"every 16th version", 15, false, 1, true},
		{"no trigger", 4, false, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openFresh(t)
			ctx := t.Context()
			const conv = "t1/leftovers"
			for v := uint64(1); v <= tc.before; v++ {
				if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, v, "live"), lateBuckets(conv, v, "live", 6)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.stale {
				stale := snapshotDoc{ID: versionID("conversation", conv, 2), Snapshot: lateSnapshot(conv, 2, "stale")}
				if _, err := s.snapshots.InsertOne(ctx, stale); err != nil {
					t.Fatal(err)
				}
			}
			next := tc.before + 1
			underway := fmt.Sprintf("%d.UNDERWAY", next+4)
			var left []string
			for _, mark := range []string{fmt.Sprintf("%d.STALEWRITER", next-2), fmt.Sprintf("%d.DEADWRITER", next), underway} {
				for _, b := range lateBuckets(conv, 0, mark, 12) {
					d := newBucketDoc(b, "conversation", conv, mark)
					if _, err := s.buckets.InsertOne(ctx, d); err != nil {
						t.Fatal(err)
					}
					left = append(left, d.ID)
				}
			}
			wantLatest(t, s, conv, tc.before, 6)
			snap := lateSnapshot(conv, next, "live")
			snap.Epoch = tc.epoch
			if err := s.Snapshots().Commit(ctx, snap, lateBuckets(conv, next, "live", 7)); err != nil {
				t.Fatal(err)
			}
			wantLatest(t, s, conv, next, 7)
			if snaps := storedIDs(t, s, s.snapshots, byIdentity("conversation", conv)); len(snaps) != 1 {
				t.Fatalf("versions stored after v%d: %v, want v%d alone", next, snaps, next)
			}
			var kept []string
			for _, id := range storedIDs(t, s, s.buckets, bson.D{{Key: "conversation", Value: conv}}) {
				if slices.Contains(left, id) {
					kept = append(kept, id)
				}
			}
			switch {
			case tc.sweeps && (len(kept) != 3 || markOf(kept[0]) != underway):
				t.Fatalf("leftover copies kept: %v, want only the three of the commit under way (%s)", kept, underway)
			case !tc.sweeps && len(kept) != len(left):
				t.Fatalf("leftover copies kept without a sweep: %v, want all %d", kept, len(left))
			}
		})
	}
}

func markOf(id string) string {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == '@' {
			return id[i+1:]
		}
	}
	return ""
}

// Round trips of a conversation's steady commit (one version over the last, one bucket):
// before versions were documents of their own, five (fence insert, read, bucket upsert,
// filtered replace, fence delete); now at most six commands, the two prunes side by side.
func TestCommitRoundTrips(t *testing.T) {
	var mu sync.Mutex
	var counting bool
	var commands []string
	s := openMonitored(t, testenv.MongoURI(t), func(_ context.Context, e *event.CommandStartedEvent) {
		mu.Lock()
		defer mu.Unlock()
		if counting {
			col, _ := e.Command.Lookup(e.CommandName).StringValueOK()
			commands = append(commands, e.CommandName+" "+col)
		}
	})
	ctx := t.Context()
	const conv = "t1/trips"
	for v := uint64(1); v <= 2; v++ {
		if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, v, "live"), lateBuckets(conv, v, "live", 3)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	counting = true
	mu.Unlock()
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 3, "live"), lateBuckets(conv, 3, "live", 4)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("a commit sends %d commands: %v", len(commands), commands)
	if len(commands) > 6 {
		t.Fatalf("a commit sends %d commands, want at most 6: %v", len(commands), commands)
	}
}

// A writer whose check passed (v1 was the newest) inserts v2 only after another writer
// committed its own v2, then v3 over it, and pruned v2: the late insert is no duplicate, yet
// v3 was built on the other v2. The writer must not acknowledge a version nobody builds on:
// its commit is refused, and the store still returns v3 and its buckets.
func TestCommitOverAPrunedVersionIsRefused(t *testing.T) {
	const conv = "t1/superseded"
	var armed sync.Once
	var liveErr error
	slow, live := openRivals(t, conv, func(live *Store, e *event.CommandStartedEvent) {
		if col, _ := e.Command.Lookup(e.CommandName).StringValueOK(); e.CommandName != "insert" || col != colBuckets {
			return
		}
		armed.Do(func() {
			// Between the slow writer's check and its inserts, the live one commits v2 and v3.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for v := uint64(2); v <= 3 && liveErr == nil; v++ {
				liveErr = live.Snapshots().Commit(ctx, lateSnapshot(conv, v, "live"), lateBuckets(conv, v, "live", int(v)))
			}
		})
	})
	err := slow.Snapshots().Commit(t.Context(), lateSnapshot(conv, 2, "slow"), lateBuckets(conv, 2, "slow", 2))
	if liveErr != nil {
		t.Fatalf("live commits: %v", liveErr)
	}
	if !errors.Is(err, persistence.ErrVersionConflict) {
		t.Fatalf("slow v2 inserted under v3: %v, want ErrVersionConflict", err)
	}
	wantLatest(t, live, conv, 3, 3)
}

// openRivals opens two stores on one fresh database, slow, whose driver shows hook each
// command it starts (with live, to race it), and live, and commits v1 of conv through live.
func openRivals(t *testing.T, conv string, hook func(live *Store, e *event.CommandStartedEvent)) (slow, live *Store) {
	t.Helper()
	uri := testenv.MongoURI(t)
	slow = openMonitored(t, uri, func(_ context.Context, e *event.CommandStartedEvent) {
		if live != nil {
			hook(live, e)
		}
	})
	live, err := Open(t.Context(), uri, slow.Database())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = live.Close(context.Background()) })
	if err := live.Snapshots().Commit(t.Context(), lateSnapshot(conv, 1, "live"), lateBuckets(conv, 1, "live", 1)); err != nil {
		t.Fatal(err)
	}
	return slow, live
}
