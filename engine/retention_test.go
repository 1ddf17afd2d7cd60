package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
)

// pruneStore is an embedded store closed with the test, and the time its rounds run at.
func pruneStore(t *testing.T) (*embedded.Store, time.Time) {
	t.Helper()
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	return store, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
}

// One pruning round applies each retention to its own store, works through more rows than
// one batch, and never touches unprocessed webhooks or pending sends.
func TestPruneOnceKeepsWhatIsPendingOrRecent(t *testing.T) {
	store, now := pruneStore(t)
	ctx := context.Background()
	old, recent := now.Add(-100*time.Hour), now.Add(-time.Hour)

	// 1,200 old webhooks (more than two batches), all processed but the first; 10 recent ones.
	var entries []persistence.InboxEntry
	var processed []string
	for i := range 1210 {
		at := old.Add(time.Duration(i) * time.Millisecond)
		if i >= 1200 {
			at = recent.Add(time.Duration(i) * time.Millisecond)
		}
		id := fmt.Sprintf("in-%06d", i)
		entries = append(entries, persistence.InboxEntry{ID: id, ReceivedAt: at, Body: []byte(`{}`)})
		if i > 0 {
			processed = append(processed, id)
		}
	}
	if err := store.Inbox().Append(ctx, entries); err != nil {
		t.Fatal(err)
	}
	if err := store.Inbox().MarkProcessed(ctx, processed); err != nil {
		t.Fatal(err)
	}
	// Old sends: one sent, one still queued; a recent sent one.
	ob := store.Outbox()
	for i, at := range []time.Time{old, old.Add(time.Second), recent} {
		m := persistence.OutboxMessage{ID: fmt.Sprintf("ob-%02d", i), TenantID: "t", PhoneNumberID: "p", Recipient: "+1",
			State: persistence.OutboxQueued, Request: []byte(`{}`), CreatedAt: at, UpdatedAt: at, NextAttemptAt: at}
		if err := ob.Enqueue(ctx, []persistence.OutboxMessage{m}); err != nil {
			t.Fatal(err)
		}
		if i != 1 {
			m.State = persistence.OutboxSent
			if err := ob.Transition(ctx, persistence.OutboxQueued, m); err != nil {
				t.Fatal(err)
			}
		}
	}

	e := &Engine{cfg: &config.Config{InboxRetention: 72 * time.Hour, OutboxRetention: 72 * time.Hour},
		store: store, log: slog.New(slog.NewTextHandler(io.Discard, nil)), stopping: make(chan struct{})}
	e.pruneOnce(now)

	pending, err := store.Inbox().Pending(ctx, "", 10)
	if err != nil || len(pending) != 1 || pending[0].ID != "in-000000" {
		t.Fatalf("pending after pruning: %v %v", pending, err)
	}
	// Old processed ids are gone (they may be stored again); recent ones are kept.
	if err := store.Inbox().Append(ctx, []persistence.InboxEntry{{ID: "in-000999", ReceivedAt: now, Body: []byte(`{}`)}}); err != nil {
		t.Fatalf("an old processed webhook was kept: %v", err)
	}
	if err := store.Inbox().Append(ctx, []persistence.InboxEntry{{ID: "in-001205", ReceivedAt: now, Body: []byte(`{}`)}}); err == nil {
		t.Fatal("a recent processed webhook was pruned")
	}
	if _, err := ob.Get(ctx, "ob-00"); err == nil {
		t.Fatal("an old sent message was kept")
	}
	for _, id := range []string{"ob-01", "ob-02"} {
		if _, err := ob.Get(ctx, id); err != nil {
			t.Fatalf("%s (old but queued, or recent) was pruned: %v", id, err)
		}
	}
}

// A round works off everything that has come due, not a fixed number of batches: webhooks
// arrive far faster than 20 batches of 500 a minute (167/s; one number sending at Meta's
// default 80/s brings back about 240 status webhooks a second), and a pruner capped there
// fell behind for good while the inbox grew without bound.
func TestPruneOnceKeepsUpWithMoreThanItsOldCap(t *testing.T) {
	store, now := pruneStore(t)
	ctx := context.Background()
	old := now.Add(-100 * time.Hour)

	const due = 3*pruneBatch*20 + 17 // three times what 20 batches of 500 could delete
	ids := make([]string, 0, due)
	for start := 0; start < due; start += 2000 {
		var entries []persistence.InboxEntry
		for i := start; i < min(start+2000, due); i++ {
			id := fmt.Sprintf("in-%06d", i)
			entries = append(entries, persistence.InboxEntry{ID: id, ReceivedAt: old.Add(time.Duration(i) * time.Millisecond), Body: []byte(`{}`)})
			ids = append(ids, id)
		}
		if err := store.Inbox().Append(ctx, entries); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Inbox().MarkProcessed(ctx, ids); err != nil {
		t.Fatal(err)
	}
	e := &Engine{cfg: &config.Config{InboxRetention: 72 * time.Hour}, store: store,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), stopping: make(chan struct{})}
	e.pruneOnce(now)
	if left, err := store.Inbox().PruneProcessed(ctx, now.Add(-72*time.Hour), due); err != nil || left != 0 {
		t.Fatalf("%d of %d due webhooks left after one round (%v)", left, due, err)
	}
}
