package mongo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// A conversation commit whose writer gave up (its deadline passed while the server had not
// run it yet) can still be run by the server afterwards, after the next activation stored
// newer versions. FerretDB used to let such a write replace newer data: bucket upserts and
// snapshot replaces by _id landed over the live activation's, and acknowledged messages were
// gone. The proxy holds the stale writer's commands until the live one has committed newer
// versions, then lets them through; whatever they do, the newest version and its buckets
// must stay what the store returns.
func TestLateCommitCannotReplaceNewerVersions(t *testing.T) {
	uri := testenv.MongoURI(t)
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	writes := map[string]bool{"insert": true, "update": true, "delete": true}
	// A commit writes its buckets before its snapshot, so holding every write is holding its
	// bucket insert: the snapshot insert is never sent.
	for _, tc := range []struct {
		name string
		hold func(command, collection string) bool
	}{
		{"bucket writes held", func(cmd, col string) bool { return writes[cmd] && col == colBuckets }},
		{"snapshot writes held", func(cmd, col string) bool { return writes[cmd] && col == colSnapshots }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := openFresh(t)
			proxy := newHoldProxy(t, u.Host)
			stale, err := Open(t.Context(), proxy.proxyURI(uri), live.Database())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = stale.Close(context.Background()) }()
			const conv = "t1/late"
			commit := func(s *Store, v uint64, who string, msgs int) error {
				ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
				defer cancel()
				return s.Snapshots().Commit(ctx, lateSnapshot(conv, v, who), lateBuckets(conv, v, who, msgs))
			}
			for v := uint64(1); v <= 2; v++ {
				if err := commit(live, v, "live", int(v)); err != nil {
					t.Fatalf("live v%d: %v", v, err)
				}
			}
			// The stale activation (it loaded v2) commits v3; the proxy keeps its writes.
			proxy.holdWhen(tc.hold)
			err = commit(stale, 3, "stale", 12) // more buckets than the live one will have
			if err == nil || proxy.heldCount() == 0 {
				t.Fatalf("stale v3: %v with %d messages held; want its answer lost", err, proxy.heldCount())
			}
			t.Logf("stale v3 gave up: %v", err)
			// The next activation commits v3..v5: nothing the stale writer holds may stand in
			// its way, so each commit succeeds the first time.
			for v := uint64(3); v <= 5; v++ {
				if err := commit(live, v, "live", int(v)+3); err != nil {
					t.Fatalf("live v%d over the stale writer's held writes: %v", v, err)
				}
			}
			proxy.release(15 * time.Second)
			wantLatest(t, live, conv, 5, int(5)+3)
			// And the conversation goes on.
			if err := commit(live, 6, "live", 9); err != nil {
				t.Fatalf("live v6 after the late writes: %v", err)
			}
			wantLatest(t, live, conv, 6, 9)
		})
	}
}

// wantLatest checks the store returns version v of the live writer and its buckets.
func wantLatest(t *testing.T, s *Store, conv string, v uint64, msgs int) {
	t.Helper()
	ctx := t.Context()
	got, err := s.Snapshots().Load(ctx, "conversation", conv)
	if err != nil || got.Version != v || string(got.Data) != lateData(v, "live") {
		t.Fatalf("load: v%d %q, %v; want v%d %q", got.Version, got.Data, err, v, lateData(v, "live"))
	}
	want := lateBuckets(conv, v, "live", msgs)
	for _, w := range want {
		b, err := s.Buckets().Get(ctx, conv, w.Seq)
		if err != nil || string(b.Data) != string(w.Data) {
			t.Fatalf("bucket %d: %s, %v; want %s", w.Seq, b.Data, err, w.Data)
		}
	}
	// A bucket only the stale writer wrote was never committed.
	if b, err := s.Buckets().Get(ctx, conv, len(want)); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("bucket %d beyond the committed ones: %s, %v; want ErrNotFound", len(want), b.Data, err)
	}
}

func lateData(v uint64, who string) string { return fmt.Sprintf("%s v%d", who, v) }

func lateSnapshot(conv string, v uint64, who string) persistence.Snapshot {
	return persistence.Snapshot{Kind: "conversation", Identity: conv, Version: v, Epoch: 1,
		Data: []byte(lateData(v, who)), UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
}

// lateBuckets holds msgs messages, four a bucket, every one marked with its writer and version.
func lateBuckets(conv string, v uint64, who string, msgs int) []persistence.Bucket {
	var out []persistence.Bucket
	for seq := 0; seq*4 < msgs; seq++ {
		data := "["
		for i := seq * 4; i < min(msgs, seq*4+4); i++ {
			if i > seq*4 {
				data += ","
			}
			data += fmt.Sprintf("%q", fmt.Sprintf("m%d %s v%d", i, who, v))
		}
		out = append(out, persistence.Bucket{Conversation: conv, Seq: seq, Count: min(4, msgs-seq*4),
			Data: []byte(data + "]"), UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)})
	}
	return out
}
