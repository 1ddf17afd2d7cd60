package webhook

import (
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Every acknowledged webhook took the live queue's lock three times (Expect, Submit, the
// dispatch loop), and Submit wrote again the mark Expect had just written: the edge's
// goroutines queued on the lock behind one another, behind replay marking entries taken and
// behind the dispatch loop. The edge now takes it once (Expect) and the dispatch loop once:
// Submit of an announced entry takes no lock, so it goes through while the lock is held.
func TestSubmitTakesNoLock(t *testing.T) {
	p := NewProcessor(openStore(t), nil, &Stats{}, slog.New(slog.DiscardHandler), 0)
	t.Cleanup(p.lanes.close)
	p.running.Store(true)
	e := persistence.InboxEntry{ID: "e1"}
	p.Expect(e.ID)
	p.liveMu.Lock()
	done := make(chan struct{})
	go func() {
		p.Submit(e, true)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		p.liveMu.Unlock()
		t.Fatal("Submit waited for the live queue's lock")
	}
	p.liveMu.Unlock()
	if len(p.live) != 1 || p.expected[e.ID] != liveExpected || len(p.expected) != 1 {
		t.Fatalf("after Submit: %d queued, marks %v; want it queued and expected", len(p.live), p.expected)
	}
}

// An entry the live queue has no room for is left to replay: its mark goes, so nothing is
// kept for it, and replay is asked for.
func TestSubmitToAFullLiveQueueForgetsTheEntry(t *testing.T) {
	p := NewProcessor(openStore(t), nil, &Stats{}, slog.New(slog.DiscardHandler), 0)
	t.Cleanup(p.lanes.close)
	p.running.Store(true)
	for range cap(p.live) {
		p.live <- persistence.InboxEntry{}
	}
	p.Expect("over")
	p.Submit(persistence.InboxEntry{ID: "over"}, true)
	if _, ok := p.expected["over"]; ok || !p.overflow.Load() {
		t.Fatalf("an entry the live queue refused: still expected %v, replay asked %v", ok, p.overflow.Load())
	}
}

// The edge announces an entry (Expect) before its write and submits it after. A processor
// that starts between the two has no mark for the entry, and its first replay may read the
// entry from the store: queued live as well, it ran twice. Such an entry is left to the
// store, and a replay is asked for, so it runs once and without waiting for the sweep.
func TestAnEntryAnnouncedBeforeStartIsLeftToReplay(t *testing.T) {
	p := NewProcessor(openStore(t), nil, &Stats{}, slog.New(slog.DiscardHandler), 0)
	t.Cleanup(p.lanes.close)
	announced := p.Expect("early") // not running yet: nothing announced
	p.running.Store(true)          // Start, between the edge's write and its Submit
	p.Submit(persistence.InboxEntry{ID: "early"}, announced)
	if announced || len(p.live) != 0 || !p.overflow.Load() {
		t.Fatalf("announced %v, %d queued live, replay asked %v; want it left to a replay", announced, len(p.live), p.overflow.Load())
	}
}
