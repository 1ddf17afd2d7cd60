package storetest

import (
	"fmt"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

var snapshotCommitContracts = []contract{
	{"snapshots/commit writes buckets with the snapshot", func(t *testing.T, s persistence.Store) {
		sn, ctx := s.Snapshots(), t.Context()
		b0, b1 := newBucket("t1/5511", 0, "messages 0-31"), newBucket("t1/5511", 1, "messages 32")
		v1 := newSnapshot("conversation", "t1/5511", 1, "count 33")
		must(t, sn.Commit(ctx, v1, []persistence.Bucket{b0, b1}), "commit v1")
		got, err := sn.Load(ctx, "conversation", "t1/5511")
		must(t, err, "load")
		wantEqual(t, got, v1, "snapshot")
		gotB, err := s.Buckets().Get(ctx, "t1/5511", 1)
		must(t, err, "get bucket")
		wantEqual(t, gotB, b1, "bucket")

		// A fenced-out commit is refused like Save; the stored snapshot is unchanged.
		stale := newSnapshot("conversation", "t1/5511", 1, "stale")
		wantErr(t, sn.Commit(ctx, stale, []persistence.Bucket{newBucket("t1/5511", 1, "stale bucket")}),
			persistence.ErrVersionConflict, "stale commit")
		got, _ = sn.Load(ctx, "conversation", "t1/5511")
		wantEqual(t, got, v1, "snapshot after stale commit")

		// No buckets is a plain fenced save.
		v2 := newSnapshot("conversation", "t1/5511", 2, "read")
		must(t, sn.Commit(ctx, v2, nil), "commit v2 without buckets")
		got, _ = sn.Load(ctx, "conversation", "t1/5511")
		wantEqual(t, got, v2, "v2")
	}},
	{"snapshots/list by prefix in identity order", func(t *testing.T, s persistence.Store) {
		sn, ctx := s.Snapshots(), t.Context()
		for _, id := range []string{"tB/1", "tA/3", "tA/1", "tA/2", "tAA/1", "tA"} {
			must(t, sn.Save(ctx, newSnapshot("conversation", id, 1, "x")), "save %s", id)
		}
		must(t, sn.Save(ctx, newSnapshot("tenant", "tA/9", 1, "other kind")), "save other kind")
		// A kind whose name extends the listed one's (as "tenant-aliases" extends "tenant").
		must(t, sn.Save(ctx, newSnapshot("conversation-shards", "tA/4", 1, "longer kind")), "save longer kind")
		var seen []string
		after := ""
		for {
			page, err := sn.List(ctx, "conversation", "tA/", after, 2)
			must(t, err, "list after %q", after)
			if len(page) == 0 {
				break
			}
			for _, p := range page {
				if p.Kind != "conversation" {
					t.Fatalf("listed kind %s", p.Kind)
				}
				seen = append(seen, p.Identity)
			}
			after = page[len(page)-1].Identity
		}
		wantEqual(t, fmt.Sprint(seen), "[tA/1 tA/2 tA/3]", "listed identities")
		none, err := sn.List(ctx, "conversation", "tZ/", "", 10)
		must(t, err, "list empty prefix")
		if len(none) != 0 {
			t.Fatalf("listed %d for an unknown prefix", len(none))
		}
	}},
}
