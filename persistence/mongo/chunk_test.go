package mongo

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// updateWatcher records, for every update and delete command the driver sends, how many
// documents it can touch: one per statement, or the length of an "_id": {"$in": [...]}
// filter. FerretDB's hang depends on server, backend and document size, so this checks the
// bound itself rather than waiting for a server to wedge.
type updateWatcher struct {
	mu    sync.Mutex
	sizes map[string][]int // command name → documents per command
}

func (w *updateWatcher) started(_ context.Context, e *event.CommandStartedEvent) {
	field := map[string]string{"update": "updates", "delete": "deletes"}[e.CommandName]
	if field == "" {
		return
	}
	stmts, err := e.Command.LookupErr(field)
	if err != nil {
		return
	}
	vals, _ := stmts.Array().Values()
	n := 0
	for _, v := range vals {
		stmt := v.Document()
		in, err := stmt.LookupErr("q", "_id", "$in")
		if err != nil {
			n++
			continue
		}
		ids, _ := in.Array().Values()
		n += len(ids)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sizes[e.CommandName] = append(w.sizes[e.CommandName], n)
}

func (w *updateWatcher) check(t *testing.T, command string, wantCommands int) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	sizes := w.sizes[command]
	for _, n := range sizes {
		if n > persistence.MaxDocsPerUpdate {
			t.Fatalf("%s commands touching %v documents; at most %d per command", command, sizes, persistence.MaxDocsPerUpdate)
		}
	}
	if len(sizes) != wantCommands {
		t.Fatalf("%d %s commands (%v), want %d", len(sizes), command, sizes, wantCommands)
	}
	w.sizes[command] = nil
}

func TestBulkWritesAreChunked(t *testing.T) {
	w := &updateWatcher{sizes: map[string][]int{}}
	s := openMonitored(t, testenv.MongoURI(t), w.started)
	ctx := t.Context()

	entries := make([]persistence.InboxEntry, 95)
	ids := make([]string, len(entries))
	for i := range entries {
		ids[i] = fmt.Sprintf("in-%03d", i)
		entries[i] = persistence.InboxEntry{ID: ids[i], Body: []byte("{}")}
	}
	if err := s.Inbox().Append(ctx, entries); err != nil {
		t.Fatalf("append: %v", err)
	}
	if err := s.Inbox().MarkProcessed(ctx, ids); err != nil {
		t.Fatalf("mark processed: %v", err)
	}
	w.check(t, "update", 3) // 40 + 40 + 15

	buckets := make([]persistence.Bucket, 85)
	for i := range buckets {
		buckets[i] = persistence.Bucket{Conversation: fmt.Sprintf("c%d", i), Data: []byte("x")}
	}
	for round := range 2 { // the second round replaces 85 existing documents
		if err := s.Buckets().Put(ctx, buckets); err != nil {
			t.Fatalf("put round %d: %v", round, err)
		}
	}
	w.check(t, "update", 6)

	// A conflicting append of 90 undoes the 89 it inserted: deletes are chunked too.
	clash := make([]persistence.InboxEntry, 90)
	for i := range clash {
		clash[i] = persistence.InboxEntry{ID: fmt.Sprintf("in-%03d", 94+i), Body: []byte("{}")}
	}
	if err := s.Inbox().Append(ctx, clash); err == nil {
		t.Fatal("append over a stored id succeeded")
	}
	w.check(t, "delete", 3)
	n, err := s.inbox.CountDocuments(ctx, bson.D{})
	if err != nil || n != 95 {
		t.Fatalf("inbox holds %d entries (%v) after the undone append, want 95", n, err)
	}
}
