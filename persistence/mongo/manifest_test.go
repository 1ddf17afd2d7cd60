package mongo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// A steady commit reads and writes a manifest of bounded size however long the conversation:
// the version names the copies of its newest buckets; the older ones are named by a sealed
// manifest document the commit neither reads nor rewrites. Every bucket stays readable, old
// ones too (Get, GetRange across the seal), and a commit may still rewrite a sealed one.
func TestCommitManifestIsBounded(t *testing.T) {
	var mu sync.Mutex
	var insertBytes []int // the size of each insert of a version or sealed manifest
	sealedReads := 0
	counter := &commandCounter{}
	s := openMonitored(t, testenv.MongoURI(t), func(ctx context.Context, e *event.CommandStartedEvent) {
		counter.started(ctx, e)
		mu.Lock()
		defer mu.Unlock()
		col, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		id, _ := e.Command.Lookup("filter", "_id").StringValueOK()
		switch {
		case e.CommandName == "insert" && col == colSnapshots:
			insertBytes = append(insertBytes, len(e.Command))
		case e.CommandName == "find" && strings.Contains(id, "$"):
			sealedReads++
		}
	})
	ctx := t.Context()
	const conv = "t1/long"
	const buckets = 3*sealKeep + 50
	msgs := 4 * buckets
	committed := lateBuckets(conv, 1, "live", msgs)
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 1, "live"), committed); err != nil {
		t.Fatal(err)
	}
	v := uint64(1)
	commit := func(bs ...persistence.Bucket) {
		t.Helper()
		v++
		if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, v, "live"), bs); err != nil {
			t.Fatalf("commit v%d: %v", v, err)
		}
		for _, b := range bs {
			committed[b.Seq] = b
		}
	}
	rewrite := func(seq int) persistence.Bucket {
		b := committed[seq]
		b.Data = fmt.Appendf(nil, `["seq %d rewritten by v%d"]`, seq, v+1)
		return b
	}
	// Steady commits of the open bucket, then one that rewrites a sealed bucket and another
	// that grows the conversation past the next seal.
	for range 3 {
		commit(rewrite(buckets - 1))
	}
	commit(rewrite(3), rewrite(buckets-1))
	grown := lateBuckets(conv, v+1, "live", msgs+4*sealKeep*2)[buckets:]
	committed = append(committed, make([]persistence.Bucket, len(grown))...)
	commit(grown...)
	mu.Lock()
	readsBefore := sealedReads
	mu.Unlock()
	commit(rewrite(len(committed) - 1))

	newest, err := snapshots{s}.newest(ctx, "conversation", conv, manifestOnly)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d buckets: the newest version names %d of them (from seq %d); version inserts %v bytes",
		len(committed), len(newest.Manifest), newest.From, insertBytes)
	if len(newest.Manifest) > sealAt {
		t.Errorf("the newest version's manifest names %d buckets, want at most %d", len(newest.Manifest), sealAt)
	}
	mu.Lock()
	steady, readsSteady := insertBytes[len(insertBytes)-1], sealedReads-readsBefore
	mu.Unlock()
	if readsSteady != 0 {
		t.Errorf("a steady commit read the sealed manifest %d times, want 0", readsSteady)
	}
	if steady > 40*sealAt {
		t.Errorf("a steady commit inserts a version of %d bytes, want under %d", steady, 40*sealAt)
	}
	wantBuckets(t, s, conv, committed)
	// Get reads the sealed manifest only below the tail.
	for _, tc := range []struct{ seq, reads int }{{len(committed) - 1, 2}, {0, 3}} {
		if reads := counter.count(func() { _, err = s.Buckets().Get(ctx, conv, tc.seq) }); err != nil || len(reads) != tc.reads {
			t.Errorf("Get %d sent %v (%v), want %d reads", tc.seq, reads, err, tc.reads)
		}
	}
}

// wantBuckets checks that every bucket of want reads back, through GetRange and Get.
func wantBuckets(t *testing.T, s *Store, conv string, want []persistence.Bucket) {
	t.Helper()
	got, err := s.Buckets().GetRange(t.Context(), conv, 0, len(want)+4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("GetRange returned %d buckets, want %d", len(got), len(want))
	}
	for i, b := range got {
		if b.Seq != want[i].Seq || string(b.Data) != string(want[i].Data) {
			t.Fatalf("bucket %d: seq %d %s, want %s", i, b.Seq, b.Data, want[i].Data)
		}
	}
	for _, seq := range []int{0, len(want) / 2, len(want) - 1} {
		b, err := s.Buckets().Get(t.Context(), conv, seq)
		if err != nil || string(b.Data) != string(want[seq].Data) {
			t.Fatalf("Get %d: %s, %v; want %s", seq, b.Data, err, want[seq].Data)
		}
	}
}

// sealedStored lists the _ids of the sealed manifests stored for conv.
func sealedStored(t *testing.T, s *Store, conv string) []string {
	t.Helper()
	return storedIDs(t, s, s.snapshots, bson.D{{Key: "sealedOf", Value: legacyID("conversation", conv)}})
}

// A version written before sealing names every bucket from seq 0 (no bucketsFrom, no
// sealed): it reads as it stands, and the next commit seals its older names away.
func TestManifestWrittenBeforeSealingIsReadAndSealed(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	const conv = "t1/unsealed"
	const mark = "1.BEFORESEAL"
	want := lateBuckets(conv, 1, "live", 4*(sealAt+40))
	manifest := make([]string, len(want))
	for i, b := range want {
		manifest[i] = mark
		if _, err := s.buckets.InsertOne(ctx, newBucketDoc(b, "conversation", conv, mark)); err != nil {
			t.Fatal(err)
		}
	}
	old := snapshotDoc{ID: versionID("conversation", conv, 1), Snapshot: lateSnapshot(conv, 1, "live"),
		Conversation: conv, Manifest: manifest, Mark: mark}
	if _, err := s.snapshots.InsertOne(ctx, old); err != nil {
		t.Fatal(err)
	}
	wantBuckets(t, s, conv, want)

	open := want[len(want)-1]
	open.Data = []byte(`["rewritten by v2"]`)
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 2, "live"), []persistence.Bucket{open}); err != nil {
		t.Fatal(err)
	}
	want[len(want)-1] = open
	wantBuckets(t, s, conv, want)
	newest, err := snapshots{s}.newest(ctx, "conversation", conv, manifestOnly)
	if err != nil {
		t.Fatal(err)
	}
	if len(newest.Manifest) != sealKeep || newest.From != len(want)-sealKeep || markVersion(newest.Sealed) != 2 {
		t.Fatalf("v2 names %d buckets from %d, sealed %q; want %d from %d, sealed by v2",
			len(newest.Manifest), newest.From, newest.Sealed, sealKeep, len(want)-sealKeep)
	}
	if sealed := sealedStored(t, s, conv); len(sealed) != 1 {
		t.Fatalf("sealed manifests stored: %v, want v2's alone", sealed)
	}
	if copies := storedIDs(t, s, s.buckets, bson.D{{Key: "conversation", Value: conv}}); len(copies) != len(want) {
		t.Fatalf("%d bucket copies stored, want %d (the one v2 replaced pruned)", len(copies), len(want))
	}
}

// Once a conversation is sealed, what no version names goes: the sealed manifest a commit
// replaces, a losing sealing commit's, and copies of sealed seqs no version names, the
// latter only by a commit that knows the sealed names (one that seals); a sweep that does not
// know them leaves them, and removes those of the tail.
func TestSealingPrunesWhatNoVersionNames(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	const conv = "t1/sealprune"
	want := lateBuckets(conv, 1, "live", 4*(sealAt+40))
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 1, "live"), want); err != nil {
		t.Fatal(err)
	}
	first := sealedStored(t, s, conv)
	if len(first) != 1 {
		t.Fatalf("sealed manifests after v1: %v, want one", first)
	}
	// Leftovers of dead writers of v2: a copy of a sealed seq, one of the tail, a sealed
	// manifest.
	deadMark := "2.DEADWRITER"
	deadSealed := persistence.Bucket{Conversation: conv, Seq: 5, Data: []byte(`["dead"]`)}
	deadTail := persistence.Bucket{Conversation: conv, Seq: len(want) - 1, Data: []byte(`["dead"]`)}
	for _, b := range []persistence.Bucket{deadSealed, deadTail} {
		if _, err := s.buckets.InsertOne(ctx, newBucketDoc(b, "conversation", conv, deadMark)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.snapshots.InsertOne(ctx, sealedDoc{ID: sealedID("conversation", conv, deadMark),
		Of: legacyID("conversation", conv), Mark: deadMark, Manifest: []string{deadMark}}); err != nil {
		t.Fatal(err)
	}
	// v2 starts another activation's run: it sweeps, not knowing the sealed names.
	v2 := lateSnapshot(conv, 2, "live")
	v2.Epoch = 2
	if err := s.Snapshots().Commit(ctx, v2, []persistence.Bucket{want[len(want)-2]}); err != nil {
		t.Fatal(err)
	}
	wantBuckets(t, s, conv, want)
	has := func(id string) bool {
		return len(storedIDs(t, s, s.buckets, byID(id))) == 1
	}
	if !has(bucketVersionID(conv, 5, deadMark)) || has(bucketVersionID(conv, len(want)-1, deadMark)) {
		t.Fatalf("after a sweep not knowing the sealed names: dead sealed-seq copy kept %v (want true), dead tail copy kept %v (want false)",
			has(bucketVersionID(conv, 5, deadMark)), has(bucketVersionID(conv, len(want)-1, deadMark)))
	}
	// v3 rewrites sealed seq 5: it reads the sealed names, pulls them into its tail and seals
	// again, pruning v1's sealed manifest, the dead one, and the dead copy of seq 5.
	five := want[5]
	five.Data = []byte(`["seq 5 rewritten by v3"]`)
	if err := s.Snapshots().Commit(ctx, lateSnapshot(conv, 3, "live"), []persistence.Bucket{five}); err != nil {
		t.Fatal(err)
	}
	want[5] = five
	wantBuckets(t, s, conv, want)
	newest, err := snapshots{s}.newest(ctx, "conversation", conv, manifestOnly)
	if err != nil {
		t.Fatal(err)
	}
	if sealed := sealedStored(t, s, conv); len(sealed) != 1 || sealed[0] != sealedID("conversation", conv, newest.Sealed) {
		t.Fatalf("sealed manifests after v3: %v, want only the one v3 names (%s)", sealed, newest.Sealed)
	}
	if has(bucketVersionID(conv, 5, deadMark)) {
		t.Fatal("the dead copy of sealed seq 5 survived a sealing commit")
	}
	if copies := storedIDs(t, s, s.buckets, bson.D{{Key: "conversation", Value: conv}}); len(copies) != len(want) {
		t.Fatalf("%d bucket copies stored, want %d", len(copies), len(want))
	}
}

// A reader that read the newest version and then its sealed manifest, which a commit in
// between replaced and pruned, reads again: it returns the new commit's bucket, never an
// error or the replaced one.
func TestGetOfASealedBucketAcrossAReseal(t *testing.T) {
	const conv = "t1/reseal"
	want := lateBuckets(conv, 2, "live", 4*(sealAt+40))
	five := want[5]
	five.Data = []byte(`["seq 5 rewritten by v3"]`)
	var armed sync.Once
	var liveErr error
	slow, live := openRivals(t, conv, func(live *Store, e *event.CommandStartedEvent) {
		id, _ := e.Command.Lookup("filter", "_id").StringValueOK()
		if e.CommandName != "find" || !strings.Contains(id, "$") {
			return // not the read of a sealed manifest
		}
		armed.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			liveErr = live.Snapshots().Commit(ctx, lateSnapshot(conv, 3, "live"), []persistence.Bucket{five})
		})
	})
	if err := live.Snapshots().Commit(t.Context(), lateSnapshot(conv, 2, "live"), want); err != nil {
		t.Fatal(err)
	}
	got, err := slow.Buckets().Get(t.Context(), conv, 5)
	if liveErr != nil {
		t.Fatalf("the resealing commit: %v", liveErr)
	}
	if err != nil || string(got.Data) != string(five.Data) {
		t.Fatalf("Get 5 across a reseal: %s, %v; want %s", got.Data, err, five.Data)
	}
}
