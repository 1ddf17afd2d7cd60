package webhook

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
)

// unroutableBody is a webhook for a number no tenant has: dispatching it dead-letters it, no
// grain needed.
var unroutableBody = []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"999"}}}]}]}`)

// originRig is a processor that is not running, over a fresh store, whose own inbox ids are
// own's, with a sweep age of a minute; a test calls its replay itself.
func originRig(t *testing.T) (persistence.Store, *Processor, *ids.Generator) {
	t.Helper()
	store := openStore(t)
	p := NewProcessor(store, nil, &Stats{}, slog.New(slog.DiscardHandler), time.Minute)
	t.Cleanup(p.lanes.close)
	own := ids.NewGenerator()
	p.Origin(own)
	return store, p, own
}

// In a cluster the inbox is shared, and a replay (this node's live queue overflowed, or one of
// its lanes drained) read every pending entry: also those a live peer had just acknowledged and
// was processing from its own live queue. Both nodes dispatched them, and only the
// conversation's dedupe window stood between that and a message stored twice. A replay after
// the start leaves a peer's young entries to that peer (the sweep takes them once they are
// older than its age); it takes its own, those that arrived before it started (a previous
// run's, or a peer's left by a crash) and those older than the sweep age.
func TestReplayLeavesAPeersYoungEntriesToThePeer(t *testing.T) {
	store, p, own := originRig(t)
	peer := ids.NewGenerator()
	// The processor started three minutes ago; its sweep age is a minute.
	now := time.Now()
	p.started = now.Add(-3 * time.Minute)
	entry := func(g *ids.Generator, at time.Time) persistence.InboxEntry {
		return persistence.InboxEntry{ID: g.New(), ReceivedAt: at.UTC(), Body: unroutableBody}
	}
	entries := []persistence.InboxEntry{
		entry(peer, p.started.Add(-time.Second)), // a previous run's or a crashed peer's: taken
		entry(peer, now.Add(-2*time.Minute)),     // past the sweep age: taken
		entry(own, now),                          // this node's: taken
		entry(peer, now),                         // a live peer's, young: left to it
	}
	if err := store.Inbox().Append(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	p.replay()
	var done []string
	for len(p.marks) > 0 {
		done = append(done, <-p.marks)
	}
	slices.Sort(done)
	want := []string{entries[0].ID, entries[1].ID, entries[2].ID}
	slices.Sort(want)
	if !slices.Equal(done, want) {
		t.Fatalf("replay dispatched %v, want %v (not the live peer's young %s)", done, want, entries[3].ID)
	}
}

// A node's clock that ran ahead and was stepped back across a restart (NTP at boot, a VM
// restored) stamped the previous run's pending entries later than this run's start: replay
// took them for a live peer's young ones and left them, and they waited for the sweep until
// they looked older than its age — the clock's error plus that age (never, with the sweep
// off, but for an overflow) — and were then deduped only by the dedupe window. An entry
// from this node's clock's future that this run did not make is taken as one that may have
// been applied, since this run started.
func TestReplayTakesAPreviousRunsEntryStampedAhead(t *testing.T) {
	store, p, own := originRig(t)
	previous := ids.NewGenerator()
	p.started = time.Now()
	ahead := persistence.InboxEntry{ID: previous.New(), ReceivedAt: p.started.Add(time.Hour).UTC(), Body: unroutableBody}
	mine := persistence.InboxEntry{ID: own.New(), ReceivedAt: p.started.Add(time.Hour).UTC(), Body: unroutableBody}
	if since := p.redeliverySince(ahead); since.IsZero() || since.After(p.started) {
		t.Fatalf("an entry stamped an hour ahead by another run may repeat since %v, want this run's start %v", since, p.started)
	}
	if since := p.redeliverySince(mine); !since.IsZero() {
		t.Fatalf("this run's own entry may repeat since %v: nothing applied it before", since)
	}
	if err := store.Inbox().Append(context.Background(), []persistence.InboxEntry{ahead}); err != nil {
		t.Fatal(err)
	}
	p.replay()
	if len(p.marks) != 1 || <-p.marks != ahead.ID {
		t.Fatal("replay left the previous run's entry stamped ahead of this clock")
	}
}
