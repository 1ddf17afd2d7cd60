package webhook

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// An entry whose jobs the lanes refused (they stopped: a shutdown), or whose queued job
// never ran before they stopped, stays pending for the next start's replay: marking it
// processed would lose an acknowledged webhook. An entry whose jobs all ran is marked.
func TestEntryWithAJobThatNeverRanIsNotMarked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stop   string // when the lanes stop: "after" the jobs ran, "before" queueing, "while" one waits
		marked bool
	}{
		{"every job ran", "after", true},
		{"refused by stopped lanes", "before", false},
		{"a queued job never ran", "while", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Processor{stats: &Stats{}, marks: make(chan string, 4), stop: make(chan struct{}), held: map[string]struct{}{}}
			p.lanes = newLanes(1, 4, func(error) {}, func() {})
			entry := &tracked{id: "entry", p: p}
			entry.pending.Store(1) // dispatch's hold while it queues
			ran, block := make(chan struct{}, 2), make(chan struct{})
			first := func(context.Context) error {
				ran <- struct{}{}
				if tc.stop == "while" {
					<-block // the lanes stop while this runs and the second job waits behind it
					return errors.New("cut short by the stop")
				}
				return nil
			}
			second := func(context.Context) error { ran <- struct{}{}; return nil }
			p.enqueue(entry, "conversation", dlRef{}, first)
			p.enqueue(entry, "conversation", dlRef{}, second)
			switch tc.stop {
			case "before":
				p.lanes.close()
				p.queue(entry)
			case "while":
				p.queue(entry)
				<-ran
				// The job ends once the lanes are stopping, so its lane sees the stop
				// instead of retrying it (close shuts stop first, then waits for the lanes).
				go func() { <-p.lanes.stop; close(block) }()
				p.lanes.close()
			case "after":
				p.queue(entry)
				<-ran
				<-ran
				p.lanes.close()
			}
			select {
			case id := <-p.marks:
				if !tc.marked {
					t.Fatalf("%s marked processed with a job that never ran", id)
				}
			default:
				if tc.marked {
					t.Fatal("not marked although every job ran")
				}
			}
		})
	}
}

// A node that stores webhooks without processing them (WEBHOOK_PROCESS=false: an ingest-only
// node, a maintenance window) never starts its processor, and its edge still submits every
// entry it stores: the live queue kept the first 16,384 bodies (up to 3 MiB each) in memory
// for the life of the process, drained by no one. Entries submitted to a processor that is
// not running are left to the store, where a processing node's replay finds them.
func TestSubmitToAProcessorNotStartedKeepsNothing(t *testing.T) {
	p := NewProcessor(openStore(t), nil, &Stats{}, slog.New(slog.DiscardHandler), 0)
	t.Cleanup(p.lanes.close)
	for i := range 10 {
		p.Submit(persistence.InboxEntry{ID: strconv.Itoa(i), Body: make([]byte, 1<<20)}, true)
	}
	if n := len(p.live); n != 0 {
		t.Fatalf("%d entries held in memory by a processor that never runs", n)
	}
}

// A graceful stop writes the marks of the entries that finished before it: they were left
// for the next start's replay (up to markEvery of them, and the marks of jobs finishing as
// the lanes stopped), which ran them a second time at every restart — tenant events listed
// twice, conversations activated for nothing, the dedupe window leaned on.
func TestStopMarksWhatFinished(t *testing.T) {
	store := openStore(t)
	stats := &Stats{}
	p := NewProcessor(store, nil, stats, slog.New(slog.DiscardHandler), 0)
	p.Start()
	// A body naming no known number: its dispatch dead-letters it, and it is done at once.
	e := persistence.InboxEntry{ID: "e1", ReceivedAt: time.Now().UTC(),
		Body: []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"999"}}}]}]}`)}
	if err := store.Inbox().Append(context.Background(), []persistence.InboxEntry{e}); err != nil {
		t.Fatal(err)
	}
	p.Submit(e, true)
	if !waitFor(10*time.Second, func() bool { return stats.Entries.Load() > 0 }) {
		t.Fatal("the entry was never done")
	}
	p.Stop()
	pending, err := store.Inbox().Pending(context.Background(), "", 10)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending after a graceful stop: %d (%v), want none", len(pending), err)
	}
}
