package mongo

import (
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/switchboard/switchboard/persistence"
)

// A database written before versions were documents of their own holds one snapshot
// document per identity (_id kind/identity) and one bucket document per seq (_id
// conversation/seq, no owner). A store opened on it reads them as they are, and the next
// commit carries them forward: the buckets it does not rewrite stay readable, the ones it
// rewrites and the old snapshot document are pruned.
func TestOldLayoutIsReadAndCarriedForward(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	const conv = "t1/old"
	old := lateSnapshot(conv, 6, "old")
	oldBuckets := lateBuckets(conv, 6, "old", 6)
	plantOldLayout(t, s, conv, 6, 3, oldBuckets)
	if _, err := s.snapshots.InsertOne(ctx, bson.D{
		{Key: "_id", Value: legacyID("conversation", "t1/other")}, {Key: "kind", Value: "conversation"},
		{Key: "identity", Value: "t1/other"}, {Key: "version", Value: int64(2)}, {Key: "data", Value: []byte("other")},
	}); err != nil {
		t.Fatal(err)
	}

	got, err := s.Snapshots().Load(ctx, "conversation", conv)
	if err != nil || got.Version != 6 || got.Epoch != 3 || string(got.Data) != string(old.Data) {
		t.Fatalf("load the old layout: %+v, %v", got, err)
	}
	for _, b := range oldBuckets {
		if got, err := s.Buckets().Get(ctx, conv, b.Seq); err != nil || string(got.Data) != string(b.Data) {
			t.Fatalf("old bucket %d: %s, %v; want %s", b.Seq, got.Data, err, b.Data)
		}
	}
	listed, err := s.Snapshots().List(ctx, "conversation", "t1/", "", 10)
	if err != nil || len(listed) != 2 || listed[0].Identity != "t1/old" || listed[1].Identity != "t1/other" {
		t.Fatalf("list the old layout: %+v, %v", listed, err)
	}

	// A stale writer of the old version is refused; the next version is written and rewrites
	// only the open bucket (seq 1).
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 6, "stale"), nil); !errors.Is(err, persistence.ErrVersionConflict) {
		t.Fatalf("stale v6 over the old layout: %v, want ErrVersionConflict", err)
	}
	open := lateBuckets(conv, 7, "new", 7)[1]
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 7, "new"), []persistence.Bucket{open}); err != nil {
		t.Fatalf("commit v7 over the old layout: %v", err)
	}
	if err := s.Snapshots().Save(ctx, lateSnapshot(conv, 8, "new")); err != nil {
		t.Fatalf("save v8: %v", err)
	}
	got, err = s.Snapshots().Load(ctx, "conversation", conv)
	if err != nil || got.Version != 8 {
		t.Fatalf("load after v8: v%d, %v", got.Version, err)
	}
	for seq, want := range []persistence.Bucket{oldBuckets[0], open} {
		if got, err := s.Buckets().Get(ctx, conv, seq); err != nil || string(got.Data) != string(want.Data) {
			t.Fatalf("bucket %d after v8: %s, %v; want %s", seq, got.Data, err, want.Data)
		}
	}
	snaps := storedIDs(t, s, s.snapshots, byIdentity("conversation", conv))
	if !slices.Equal(snaps, []string{versionID("conversation", conv, 8)}) {
		t.Fatalf("snapshot documents after v8: %v, want v8's alone", snaps)
	}
	copies := storedIDs(t, s, s.buckets, bson.D{{Key: "conversation", Value: conv}})
	if len(copies) != 2 || copies[0] != legacyBucketID(conv, 0) {
		t.Fatalf("bucket documents after v8: %v, want the old seq 0 and v7's seq 1", copies)
	}
}

// An old-layout bucket that a manifest names a copy for is shadowed forever (Get reads the
// named copy): a sweep deletes it, however it escaped the commit that replaced it. Here v7
// rewrites seq 1 and v8 seq 2, which v7's manifest never named, so v8 does not know seq 2
// had an unowned copy; the next sweep (v9 starts another activation's run) takes it.
func TestSweepDeletesShadowedOldLayoutBuckets(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	const conv = "t1/shadowed"
	plantOldLayout(t, s, conv, 6, 3, lateBuckets(conv, 6, "old", 12))
	v7 := lateBuckets(conv, 7, "new", 8)[1]
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 7, "new"), []persistence.Bucket{v7}); err != nil {
		t.Fatalf("commit v7: %v", err)
	}
	v8 := lateBuckets(conv, 8, "new", 12)[2]
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 8, "new"), []persistence.Bucket{v8}); err != nil {
		t.Fatalf("commit v8: %v", err)
	}
	v9 := lateSnapshot(conv, 9, "new")
	v9.Epoch = 2 // another activation's run: its commit sweeps
	if err := s.Snapshots().Save(ctx, v9); err != nil {
		t.Fatalf("save v9: %v", err)
	}
	for seq, want := range []persistence.Bucket{lateBuckets(conv, 6, "old", 12)[0], v7, v8} {
		if got, err := s.Buckets().Get(ctx, conv, seq); err != nil || string(got.Data) != string(want.Data) {
			t.Fatalf("bucket %d after v9: %s, %v; want %s", seq, got.Data, err, want.Data)
		}
	}
	unowned := storedIDs(t, s, s.buckets, bson.D{{Key: "conversation", Value: conv}, {Key: "owner", Value: nil}})
	if !slices.Equal(unowned, []string{legacyBucketID(conv, 0)}) {
		t.Fatalf("old-layout buckets after the sweep: %v, want seq 0's alone (no manifest names seq 0)", unowned)
	}
}

// plantOldLayout writes an identity's snapshot and buckets as the old layout stored them: one
// snapshot document at kind/identity, one unowned bucket document per seq.
func plantOldLayout(t *testing.T, s *Store, conv string, v, epoch uint64, bs []persistence.Bucket) {
	t.Helper()
	snap := lateSnapshot(conv, v, "old")
	if _, err := s.snapshots.InsertOne(t.Context(), bson.D{
		{Key: "_id", Value: legacyID("conversation", conv)}, {Key: "kind", Value: "conversation"},
		{Key: "identity", Value: conv}, {Key: "version", Value: int64(v)}, {Key: "epoch", Value: int64(epoch)},
		{Key: "data", Value: snap.Data}, {Key: "updatedAt", Value: snap.UpdatedAt},
	}); err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if _, err := s.buckets.InsertOne(t.Context(), bson.D{
			{Key: "_id", Value: legacyBucketID(conv, b.Seq)}, {Key: "conversation", Value: conv}, {Key: "seq", Value: b.Seq},
			{Key: "count", Value: b.Count}, {Key: "data", Value: b.Data}, {Key: "updatedAt", Value: b.UpdatedAt},
		}); err != nil {
			t.Fatal(err)
		}
	}
}
