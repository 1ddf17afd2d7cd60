package webhook

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
)

// openStore is an embedded store closed with the test.
func openStore(t *testing.T) *embedded.Store {
	t.Helper()
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	return store
}

// A sweep dispatches the pending entries older than its age that this node does not hold:
// not an entry it is processing already (which would run twice at once), nor one younger
// than the age (a live peer is likely processing it). A dispatch of a held entry, from
// replay or the live queue, is skipped the same way.
func TestSweepTakesOnlyOldEntriesNotHeldHere(t *testing.T) {
	store := openStore(t)
	p := NewProcessor(store, nil, &Stats{}, slog.New(slog.DiscardHandler), time.Minute)
	t.Cleanup(p.lanes.close)
	// Bodies for a number no tenant has: dispatching one dead-letters it, no grain needed.
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"999"}}}]}]}`)
	old := time.Now().Add(-2 * time.Minute).UTC()
	entries := []persistence.InboxEntry{
		{ID: "a-old-held", ReceivedAt: old, Body: body},
		{ID: "b-old", ReceivedAt: old, Body: body},
		{ID: "c-young", ReceivedAt: time.Now().UTC(), Body: body},
	}
	if err := store.Inbox().Append(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	p.hold("a-old-held")
	p.sweep()
	p.dispatch(entries[0]) // replay or the live queue meeting it again
	var done []string
	for len(p.marks) > 0 {
		done = append(done, <-p.marks)
	}
	if len(done) != 1 || done[0] != "b-old" {
		t.Fatalf("dispatched %v, want only b-old", done)
	}
}

// hookedStore is the real store with hooks run at exact points of a sweep: right after
// Inbox().Pending reads, and inside Inbox().DeadLetter.
type hookedStore struct {
	persistence.Store
	inbox hookedInbox
}

func (s *hookedStore) Inbox() persistence.Inbox { return &s.inbox }

type hookedInbox struct {
	persistence.Inbox
	afterPending, onDeadLetter func()
}

func (i *hookedInbox) Pending(ctx context.Context, after string, limit int) ([]persistence.InboxEntry, error) {
	page, err := i.Inbox.Pending(ctx, after, limit)
	once(&i.afterPending)
	return page, err
}

func (i *hookedInbox) DeadLetter(ctx context.Context, l []persistence.DeadLetter) error {
	once(&i.onDeadLetter)
	return i.Inbox.DeadLetter(ctx, l)
}

func once(f *func()) {
	if g := *f; g != nil {
		*f = nil
		g()
	}
}

// An entry this node holds when the sweep or replay reads its page, and which finishes
// (marked processed, released) while the read is on its way back or while the round
// dispatches the entries before it, is not dispatched again: the page showed it pending
// from before it was processed. a-old, held by no one, is. Replay runs at start and
// whenever the live queue overflowed — under load, when entries are most often held — and
// dispatched such an entry a second time (tenant events recorded twice, dead letters and
// counters doubled) before it read its pages as the sweep does.
func TestSweepSkipsAnEntryThatFinishedDuringItsRound(t *testing.T) {
	for _, tc := range []struct{ round, during string }{
		{"sweep", "the read"}, {"sweep", "an earlier dispatch"}, {"replay", "the read"}, {"replay", "an earlier dispatch"},
	} {
		during := tc.during
		t.Run(tc.round+" during "+during, func(t *testing.T) {
			emb := openStore(t)
			store := &hookedStore{Store: emb, inbox: hookedInbox{Inbox: emb.Inbox()}}
			p := NewProcessor(store, nil, &Stats{}, slog.New(slog.DiscardHandler), time.Minute)
			t.Cleanup(p.lanes.close)
			// A body naming no known number: its dispatch writes a dead letter, and is done.
			body := []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"999"}}}]}]}`)
			old := time.Now().Add(-2 * time.Minute).UTC()
			entries := []persistence.InboxEntry{{ID: "a-old", ReceivedAt: old, Body: body}, {ID: "b-old-held", ReceivedAt: old, Body: body}}
			if err := emb.Inbox().Append(context.Background(), entries); err != nil {
				t.Fatal(err)
			}
			p.hold("b-old-held") // this node is processing b (its lane was retrying a grain)
			finish := func() {
				_ = emb.Inbox().MarkProcessed(context.Background(), []string{"b-old-held"})
				p.release("b-old-held")
			}
			if during == "the read" {
				store.inbox.afterPending = finish
			} else {
				store.inbox.onDeadLetter = finish // a's dispatch
			}
			if tc.round == "sweep" {
				p.sweep()
			} else {
				p.replay()
			}
			var done []string
			for len(p.marks) > 0 {
				done = append(done, <-p.marks)
			}
			if len(done) != 1 || done[0] != "a-old" {
				t.Fatalf("%s dispatched %v; b was processed already", tc.round, done)
			}
		})
	}
}
