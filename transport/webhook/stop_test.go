package webhook

import (
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Stop never cleared running, so the edge went on announcing and queueing every webhook it
// stored for a processor that would never take them: up to 16,384 bodies (of up to 3 MiB)
// held in the live queue, and their marks in expected, for no one. The entries are durable in
// the inbox either way: a stopped processor keeps none of them in memory, and the next start's
// replay processes each of them — those stored after the stop and those the stop left
// unfinished — exactly once.
func TestStoppedProcessorKeepsNothingAndTheNextStartRunsEachEntryOnce(t *testing.T) {
	for _, backend := range []string{"embedded", "mongodb"} {
		t.Run(backend, func(t *testing.T) {
			r := startWedgeRigOn(t, openBackend(t, backend), time.Minute)
			r.p.Start()
			const waID = "5511900000079"
			var want []string
			post := func(text string) {
				r.post(t, "111", waID, text)
				want = append(want, text)
			}
			for i := range 5 {
				post("before-" + strconv.Itoa(i))
			}
			// Stopped at once: some entries may still be queued live or running, left pending.
			r.p.Stop()
			for i := range 5 {
				post("after-" + strconv.Itoa(i))
			}
			if n, m := len(r.p.live), len(r.p.expected); n != 0 || m != 0 {
				t.Fatalf("after Stop: %d entries queued live and %d expected, for no one", n, m)
			}
			if announced := r.p.Expect("late"); announced {
				t.Fatal("a stopped processor announced an entry for its live queue")
			}

			r.restart(t)
			r.p.Start()
			t.Cleanup(r.p.Stop)
			r.settled(t)
			if got := r.texts(t, "ta", waID); !slices.Equal(got, want) {
				t.Fatalf("the conversation holds %q, want each message once, in order: %q", got, want)
			}
		})
	}
}

// A processor does not start again once stopped (its lanes and loops are gone): Start after
// Stop is a wiring mistake, and says so rather than leaving a processor that announces
// entries it will never take.
func TestStartAfterStopPanics(t *testing.T) {
	p := NewProcessor(openStore(t), nil, &Stats{}, slog.New(slog.DiscardHandler), 0)
	p.Start()
	p.Stop()
	defer func() {
		if recover() == nil {
			t.Fatal("Start after Stop did not panic")
		}
		if p.running.Load() {
			t.Fatal("running after Start after Stop")
		}
	}()
	p.Start()
}

// An entry the edge announced as Stop ran (Expect found the processor running, and wrote its
// mark once Stop had let go of the others) is submitted to a stopped processor: its mark goes
// too, rather than stay for the life of the process.
func TestSubmitAfterStopForgetsAnEntryAnnouncedBefore(t *testing.T) {
	p := NewProcessor(openStore(t), nil, &Stats{}, slog.New(slog.DiscardHandler), 0)
	p.Start()
	p.Stop()
	p.liveMu.Lock()
	p.expected["racing"] = liveExpected // Expect's write, late
	p.liveMu.Unlock()
	p.Submit(persistence.InboxEntry{ID: "racing"}, true)
	if n, m := len(p.live), len(p.expected); n != 0 || m != 0 {
		t.Fatalf("%d entries queued live and %d expected by a stopped processor, want none", n, m)
	}
}
