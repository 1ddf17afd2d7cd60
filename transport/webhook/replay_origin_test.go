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

// In a cluster the inbox is shared, and a replay (this node's live queue overflowed, or one of
// its lanes drained) read every pending entry: also those a live peer had just acknowledged and
// was processing from its own live queue. Both nodes dispatched them, and only the
// conversation's dedupe window stood between that and a message stored twice. A replay after
// the start leaves a peer's young entries to that peer (the sweep takes them once they are
// older than its age); it takes its own, those that arrived before it started (a previous
// run's, or a peer's left by a crash) and those older than the sweep age.
func TestReplayLeavesAPeersYoungEntriesToThePeer(t *testing.T) {
	store := openStore(t)
	p := NewProcessor(store, nil, &Stats{}, slog.New(slog.DiscardHandler), time.Minute)
	t.Cleanup(p.lanes.close)
	own, peer := ids.NewGenerator(), ids.NewGenerator()
	p.Origin(own)
	// Bodies for a number no tenant has: dispatching one dead-letters it, no grain needed.
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"999"}}}]}]}`)
	// The processor started three minutes ago; its sweep age is a minute.
	now := time.Now()
	p.started = now.Add(-3 * time.Minute)
	entry := func(g *ids.Generator, at time.Time) persistence.InboxEntry {
		return persistence.InboxEntry{ID: g.New(), ReceivedAt: at.UTC(), Body: body}
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
