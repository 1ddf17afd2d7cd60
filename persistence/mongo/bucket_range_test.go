package mongo

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// GetRange returns, for each seq, the copy the newest version names, else the old layout's
// unowned copy: never a copy no version names, whatever its version (a dead writer's of a
// later version, a losing writer's of the newest one), and never a seq only such copies hold.
// Over the old layout (no manifest) and once a commit carried it forward.
func TestGetRangeReturnsOnlyNamedCopies(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	const conv = "t1/named"
	old := lateBuckets(conv, 6, "old", 12) // seqs 0 to 2
	plantOldLayout(t, s, conv, 6, 3, old)
	plant := func(seq int, mark string) {
		t.Helper()
		b := persistence.Bucket{Conversation: conv, Seq: seq, Count: 1, Data: []byte(fmt.Sprintf("[%q]", mark))}
		if _, err := s.buckets.InsertOne(ctx, newBucketDoc(b, "conversation", conv, mark)); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, want []persistence.Bucket) {
		t.Helper()
		got, err := s.Buckets().GetRange(ctx, conv, 0, 8)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d buckets, want %d", what, len(got), len(want))
		}
		for i, w := range want {
			if got[i].Seq != w.Seq || string(got[i].Data) != string(w.Data) {
				t.Fatalf("%s: bucket %d is seq %d %s, want seq %d %s", what, i, got[i].Seq, got[i].Data, w.Seq, w.Data)
			}
			one, err := s.Buckets().Get(ctx, conv, w.Seq)
			if err != nil || string(one.Data) != string(w.Data) {
				t.Fatalf("%s: Get %d: %s, %v; want %s", what, w.Seq, one.Data, err, w.Data)
			}
		}
	}
	// A writer that died after its buckets, before its version 7: the old layout still reads.
	plant(0, "7.DEADWRITER")
	plant(4, "7.DEADWRITER")
	check("the old layout under a dead writer's copies", old)

	open := lateBuckets(conv, 7, "new", 8)[1]
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 7, "new"), []persistence.Bucket{open}); err != nil {
		t.Fatal(err)
	}
	// Copies of a later version than the newest (a writer under way, or one that died) and a
	// losing writer's copy of the newest version.
	for seq := range 6 {
		plant(seq, "9.UNDERWAY")
	}
	plant(2, "7.LOSER")
	check("v7 over the old layout", []persistence.Bucket{old[0], open, old[2]})
}
