package storetest

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// seqs lists the seqs of bs, in order.
func seqs(bs []persistence.Bucket) []int {
	out := make([]int, len(bs))
	for i, b := range bs {
		out[i] = b.Seq
	}
	return out
}

var bucketRangeContracts = []contract{
	{"buckets/get a range: what Get returns, seqs not stored left out", func(t *testing.T, s persistence.Store) {
		b, ctx, conv := s.Buckets(), t.Context(), "t1/5512"
		none, err := b.GetRange(ctx, conv, 0, 8)
		must(t, err, "range of a conversation never stored")
		wantEqual(t, len(none), 0, "buckets of a conversation never stored")
		// Seqs 0 to 2 written in place, unowned (Put, as the old layout kept every bucket);
		// then commits write seqs 1 and 3, and rewrite 3: committed copies shadow unowned ones.
		put := []persistence.Bucket{newBucket(conv, 0, "put 0"), newBucket(conv, 1, "put 1"), newBucket(conv, 2, "put 2")}
		must(t, b.Put(ctx, put), "put")
		c1, c3 := newBucket(conv, 1, "commit 1"), newBucket(conv, 3, "commit 3")
		must(t, s.Snapshots().Commit(ctx, newSnapshot("conversation", conv, 1, "v1"), []persistence.Bucket{c1, c3}), "commit v1")
		c3 = newBucket(conv, 3, "commit 3 again")
		must(t, s.Snapshots().Commit(ctx, newSnapshot("conversation", conv, 2, "v2"), []persistence.Bucket{c3}), "commit v2")
		// Another conversation whose key extends this one's is never in its range.
		must(t, b.Put(ctx, []persistence.Bucket{newBucket(conv+"0", 2, "other")}), "put another conversation")
		for _, tc := range []struct {
			from, to int
			want     []persistence.Bucket
		}{
			{0, 8, []persistence.Bucket{put[0], c1, put[2], c3}},
			{2, 4, []persistence.Bucket{put[2], c3}},
			{1, 2, []persistence.Bucket{c1}},
			{-5, 1, []persistence.Bucket{put[0]}},
			{4, 20, nil},
			{3, 3, nil},
			{3, 1, nil},
		} {
			got, err := b.GetRange(ctx, conv, tc.from, tc.to)
			must(t, err, "range [%d, %d)", tc.from, tc.to)
			wantEqual(t, fmt.Sprint(seqs(got)), fmt.Sprint(seqs(tc.want)), "seqs of [%d, %d)", tc.from, tc.to)
			for i := range got {
				wantEqual(t, got[i], tc.want[i], "bucket %d of [%d, %d)", tc.want[i].Seq, tc.from, tc.to)
				one, err := b.Get(ctx, conv, got[i].Seq)
				must(t, err, "get %d", got[i].Seq)
				wantEqual(t, got[i], one, "range and Get of bucket %d", got[i].Seq)
			}
		}
	}},
	{"buckets/get a range: only the winning commit's copies", func(t *testing.T, s persistence.Store) {
		// Rivals commit the same version of one conversation at once: exactly one wins, and
		// the others may have stored bucket copies before they lost (MongoDB has no
		// transactions); no copy of theirs is ever read.
		ctx, conv := t.Context(), "t1/5513"
		must(t, s.Snapshots().Commit(ctx, newSnapshot("conversation", conv, 1, "v1"),
			[]persistence.Bucket{newBucket(conv, 0, "v1 0"), newBucket(conv, 1, "v1 1")}), "commit v1")
		winner := oneWins(t, 4, "committed version 2", func(r int) error {
			return s.Snapshots().Commit(ctx, newSnapshot("conversation", conv, 2, fmt.Sprint("rival ", r)), []persistence.Bucket{
				newBucket(conv, 1, fmt.Sprintf("rival %d 1", r)), newBucket(conv, 2, fmt.Sprintf("rival %d 2", r)),
			})
		})
		got, err := s.Buckets().GetRange(ctx, conv, 0, 3)
		must(t, err, "range after the race")
		wantEqual(t, got, []persistence.Bucket{newBucket(conv, 0, "v1 0"),
			newBucket(conv, 1, fmt.Sprintf("rival %d 1", winner)), newBucket(conv, 2, fmt.Sprintf("rival %d 2", winner))}, "the winner's buckets")
	}},
}
