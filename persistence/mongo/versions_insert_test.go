package mongo

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// A version insert refused as a duplicate may be the driver's retry of this commit's own
// insert, whose first try landed: the insert reads the stored mark to tell. If that read
// fails, whose version is stored is unknown, and the read's error must be reported, not a
// version conflict (which tells the caller another writer won, so its commit is lost).
func TestVersionInsertReportsAFailedMarkRead(t *testing.T) {
	var armed atomic.Bool
	var cancel context.CancelFunc
	s := openMonitored(t, testenv.MongoURI(t), func(_ context.Context, e *event.CommandStartedEvent) {
		if col, _ := e.Command.Lookup(e.CommandName).StringValueOK(); e.CommandName == "find" && col == colSnapshots && armed.Load() {
			cancel() // the mark read fails: its context ends as it is sent
		}
	})
	const conv = "t1/markread"
	mine := snapshotDoc{ID: versionID("conversation", conv, 1), Snapshot: lateSnapshot(conv, 1, "live"), Mark: "1.MINE"}
	if _, err := s.snapshots.InsertOne(t.Context(), mine); err != nil { // the first try landed
		t.Fatal(err)
	}
	ctx, c := context.WithCancel(t.Context())
	defer c()
	cancel = c
	armed.Store(true)
	err := snapshots{s}.insert(ctx, mine)
	if err == nil || errors.Is(err, persistence.ErrVersionConflict) {
		t.Fatalf("retried insert whose mark read failed: %v, want the read's error, not ErrVersionConflict", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("retried insert whose mark read failed: %v, want context.Canceled", err)
	}
}
