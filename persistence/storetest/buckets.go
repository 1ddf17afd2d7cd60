package storetest

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

var bucketContracts = []contract{
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
