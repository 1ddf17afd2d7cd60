package storetest

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// parted is a bucket given in parts, with the changed ones named.
func parted(conversation string, seq int, changed []int, parts ...string) persistence.Bucket {
	b := persistence.Bucket{Conversation: conversation, Seq: seq, Count: len(parts), UpdatedAt: at(seq), Changed: changed}
	b.Parts = make([][]byte, len(parts))
	for i, p := range parts {
		b.Parts[i] = []byte(p)
	}
	return b
}

// stored is how a bucket given in parts reads back: whole, its Data the JSON array.
func stored(b persistence.Bucket) persistence.Bucket {
	b.Data, b.Parts, b.Changed = b.Array(), nil, nil
	return b
}

var bucketContracts = []contract{
	{"buckets/in parts: only changed parts written, whole and parts interchangeable", func(t *testing.T, s persistence.Store) {
		b, ctx, conv := s.Buckets(), t.Context(), "conversation/t1/155577"
		check := func(want persistence.Bucket, what string) {
			t.Helper()
			got, err := b.Get(ctx, conv, want.Seq)
			must(t, err, "get %s", what)
			wantEqual(t, got, stored(want), "%s", what)
		}
		first := parted(conv, 0, []int{0, 1}, `{"id":"m1"}`, `{"id":"m2"}`)
		must(t, b.Put(ctx, []persistence.Bucket{first}), "put in parts")
		check(first, "first write in parts")
		// A message added and one changed: only those two are named; the rest must stay.
		grown := parted(conv, 0, []int{1, 2}, `{"id":"m1"}`, `{"id":"m2","status":"sent"}`, `{"id":"m3"}`)
		must(t, b.Put(ctx, []persistence.Bucket{grown}), "add and change")
		check(grown, "after adding m3 and changing m2")
		// Written whole (a writer with Data), then in parts again naming nothing changed: the
		// parts write must still store every part, the stored form being whole.
		whole := newBucket(conv, 0, `[{"id":"w1"}]`)
		must(t, b.Put(ctx, []persistence.Bucket{whole}), "put whole over parts")
		got, err := b.Get(ctx, conv, 0)
		must(t, err, "get whole")
		wantEqual(t, got, whole, "a whole write replaces a bucket kept in parts")
		again := parted(conv, 0, nil, `{"id":"p1"}`, `{"id":"p2"}`)
		must(t, b.Put(ctx, []persistence.Bucket{again}), "parts over whole")
		check(again, "parts over a whole bucket")
		// Cut back (an activation drops what a crash left beyond its snapshot).
		cut := parted(conv, 0, nil, `{"id":"p1"}`)
		must(t, b.Put(ctx, []persistence.Bucket{cut}), "cut back")
		check(cut, "a bucket cut back to one part")
		// Through Commit, as conversations write.
		next := parted(conv, 1, []int{0}, `{"id":"n1"}`)
		must(t, s.Snapshots().Commit(ctx, newSnapshot("conversation", "t1/155577", 1, "s"), []persistence.Bucket{next}), "commit in parts")
		check(next, "committed in parts")
		check(cut, "the other bucket untouched")
	}},
	{"buckets/put, get and upsert", func(t *testing.T, s persistence.Store) {
		b, ctx := s.Buckets(), t.Context()
		_, err := b.Get(ctx, "conversation/t1/155501", 0)
		wantErr(t, err, persistence.ErrNotFound, "get before put")
		must(t, b.Put(ctx, nil), "put nothing")

		first := []persistence.Bucket{
			newBucket("conversation/t1/155501", 0, "m1 m2"),
			newBucket("conversation/t1/155501", 1, "m3"),
			newBucket("conversation/t1/155502", 0, "n1"),
		}
		must(t, b.Put(ctx, first), "put")
		for _, want := range first {
			got, err := b.Get(ctx, want.Conversation, want.Seq)
			must(t, err, "get %s/%d", want.Conversation, want.Seq)
			wantEqual(t, got, want, "get %s/%d", want.Conversation, want.Seq)
		}

		grown := newBucket("conversation/t1/155501", 1, "m3 m4 m5")
		must(t, b.Put(ctx, []persistence.Bucket{grown, newBucket("conversation/t1/155501", 2, "")}), "upsert")
		got, err := b.Get(ctx, grown.Conversation, 1)
		must(t, err, "get upserted")
		wantEqual(t, got, grown, "upserted bucket replaced")
		got, err = b.Get(ctx, first[0].Conversation, 0)
		must(t, err, "get untouched")
		wantEqual(t, got, first[0], "other bucket untouched")
		_, err = b.Get(ctx, "conversation/t1/155502", 1)
		wantErr(t, err, persistence.ErrNotFound, "seq never put")
	}},
	{"buckets/upsert more than MaxDocsPerUpdate existing", func(t *testing.T, s persistence.Store) {
		b, ctx := s.Buckets(), t.Context()
		const n = persistence.MaxDocsPerUpdate + 5
		batch := func(round int) []persistence.Bucket {
			out := make([]persistence.Bucket, n)
			for i := range out {
				out[i] = newBucket(fmt.Sprintf("conversation/t1/%d", i), 0, fmt.Sprintf("round %d", round))
			}
			return out
		}
		must(t, b.Put(ctx, batch(1)), "insert %d", n)
		// Every bucket exists now: this one call updates n existing documents, which a
		// backend must split (FerretDB wedges on one larger update command).
		must(t, b.Put(ctx, batch(2)), "upsert %d existing", n)
		for _, want := range []persistence.Bucket{batch(2)[0], batch(2)[n-1]} {
			got, err := b.Get(ctx, want.Conversation, want.Seq)
			must(t, err, "get %s", want.Conversation)
			wantEqual(t, got, want, "get %s", want.Conversation)
		}
	}},
}
