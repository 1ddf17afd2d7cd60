package webhook

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/mongo"
)

// openBackend opens a fresh store of the named backend: the embedded one, or a new database
// on the test FerretDB (skipped outside CI without one: testenv).
func openBackend(t *testing.T, backend string) persistence.Store {
	t.Helper()
	if backend == "embedded" {
		return openStore(t)
	}
	uri, db := testenv.MongoURI(t), testenv.UniqueName("sbwebhook_")
	store, err := mongo.Open(t.Context(), uri, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = store.Close(t.Context())
		testenv.DropDatabase(t, uri, db)
	})
	return store
}

// startByHand runs the processor's mark loop but not its dispatch loop: the test takes the
// dispatch loop's turns itself (replay, then the live queue), in the order it wants.
func (r *wedgeRig) startByHand(t *testing.T) {
	r.p.running.Store(true)
	r.p.wg.Add(1)
	go r.p.markLoop()
	t.Cleanup(r.p.Stop)
}

// settled waits until every stored entry is marked processed and none is held here.
func (r *wedgeRig) settled(t *testing.T) {
	t.Helper()
	if !waitFor(30*time.Second, func() bool { return pendingCount(t, r.store) == 0 && len(r.p.heldNow()) == 0 }) {
		t.Fatalf("%d entries pending, %d held: not settled", pendingCount(t, r.store), len(r.p.heldNow()))
	}
}

// storedOnce checks that ta's conversation with waID holds text once among total messages.
func (r *wedgeRig) storedOnce(t *testing.T, waID, text string, total int) {
	t.Helper()
	got := r.texts(t, "ta", waID)
	n := 0
	for _, g := range got {
		if g == text {
			n++
		}
	}
	if n != 1 || len(got) != total {
		t.Fatalf("the conversation holds %q %d times and %d messages, want once and %d", text, n, len(got), total)
	}
}

// An entry waiting in the live queue was not held, so a replay (the live queue overflowed, or
// a spilled lane drained) dispatched it from the store, finished it and released it, and the
// live queue then dispatched it again. The conversation's dedupe caught the second delivery
// only while the message was among its last 1,024 to 2,048: in a hot conversation (1,400
// messages a second) an entry a second old is past that, and the message was stored twice
// (bench webhook-ingest on 10 conversations: 29-108 doubles). An entry replay took must not be
// dispatched again from the live queue, however many messages came in between — also when
// replay read it between its write and its Submit (the edge announced it before the write).
func TestEntryReplayedWhileLiveQueuedIsStoredOnce(t *testing.T) {
	for _, backend := range []string{"embedded", "mongodb"} {
		for _, replayAt := range []string{"queued", "before submit"} {
			t.Run(backend+"/"+replayAt, func(t *testing.T) {
				r := startWedgeRigOn(t, openBackend(t, backend), time.Minute)
				r.startByHand(t)
				const waID = "5511900000077"
				// Acknowledged as the edge does: announced, durable, then submitted
				// (wedgeRig.post), with replay running first and finishing it, after the
				// entry reached the live queue or before.
				e := r.entry("111", waID, "once")
				r.p.Expect(e.ID)
				r.append(t, e)
				if replayAt == "queued" {
					r.p.Submit(e, true)
					if len(r.p.live) != 1 {
						t.Fatalf("%d entries in the live queue, want the one posted", len(r.p.live))
					}
				}
				r.p.replay()
				r.settled(t)
				if replayAt == "before submit" {
					r.p.Submit(e, true)
				}
				// More than the dedupe window's worth of newer messages, in one entry: the
				// index keeps between 1,024 and 2,048 wamids (actors.indexWindow, trimIndex).
				filler := make([]string, 2*1024+100)
				for i := range filler {
					filler[i] = "later-" + strconv.Itoa(i)
				}
				r.store1(t, "111", waID, filler...)
				r.p.replay()
				r.settled(t)
				// Now the dispatch loop takes its live queue's turn.
				for len(r.p.live) > 0 {
					r.p.dispatchLive(<-r.p.live)
				}
				r.settled(t)
				r.storedOnce(t, waID, "once", len(filler)+1)
				if n := r.stats.LiveTaken.Load(); n != 1 {
					t.Fatalf("%d live copies dropped as taken by replay, want 1", n)
				}
				if n := len(r.p.expected); n != 0 {
					t.Fatalf("%d entries still expected for the live queue, want none (memory kept for ever)", n)
				}
			})
		}
	}
}

// An entry applied just before a crash whose processed mark the crash lost (marks are written
// every 200 ms) is replayed at the next start. Its conversation's activation indexes only the
// last 128 messages, and a hot conversation stores more than that between two marks, so the
// replay stored its message a second time. An entry that arrived before the processor started
// is delivered as one that may repeat (Deliver.Since), deduped against every message its
// conversation stored since it arrived.
func TestEntryReplayedAfterACrashIsStoredOnce(t *testing.T) {
	for _, backend := range []string{"embedded", "mongodb"} {
		t.Run(backend, func(t *testing.T) {
			r := startWedgeRigOn(t, openBackend(t, backend), time.Minute)
			// The run that crashes: it applies the entry, and 300 messages after it, but
			// only the later entry's mark is written.
			r.p.running.Store(true)
			const waID = "5511900000078"
			once := r.entry("111", waID, "once")
			r.append(t, once)
			r.p.dispatch(once)
			filler := make([]string, 300)
			for i := range filler {
				filler[i] = "later-" + strconv.Itoa(i)
			}
			later := r.entry("111", waID, filler...)
			r.append(t, later)
			r.p.dispatch(later)
			if !waitFor(30*time.Second, func() bool { return r.stats.Entries.Load() == 2 }) {
				t.Fatalf("%d of 2 entries applied", r.stats.Entries.Load())
			}
			if err := r.store.Inbox().MarkProcessed(t.Context(), []string{later.ID}); err != nil {
				t.Fatal(err)
			}
			// Its mark loop never ran: the first entry's mark is lost. The restart takes every
			// activation down with the node, so the next one indexes only the last 128
			// messages: a grain still active from the first run would dedupe the replay from
			// its memory, and the test would pass without the recall.
			r.restart(t)
			conv := actors.ConversationIdentity("ta", waID)
			before := len(r.store.bucketsRead(conv))

			// The next start replays the first entry.
			r.p.Start()
			t.Cleanup(r.p.Stop)
			r.settled(t)
			// Only the recall reads bucket 0 ("once" is message 0): the activation loads the
			// last 128 messages, buckets 11 to 18.
			if read := r.store.bucketsRead(conv)[before:]; !slices.Contains(read, 0) {
				t.Fatalf("the replay read buckets %v, not bucket 0: its delivery was not recalled against the messages stored since", read)
			}
			r.storedOnce(t, waID, "once", len(filler)+1)
		})
	}
}
