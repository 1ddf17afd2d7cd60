package actors

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// However the sends' goroutines wake, no DepartureWindow holds more than n departures, and
// a send whose slot passed does not wait for anything but the window.
func TestDeparturesNeverExceedTheWindow(t *testing.T) {
	t.Parallel()
	const n, sends = 4, 10
	d := newDepartures(time.Now)
	var (
		mu  sync.Mutex
		out []time.Time
		wg  sync.WaitGroup
	)
	start := time.Now()
	for i := range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Slots a few milliseconds apart, all due almost at once: a burst of late wake-ups.
			// The gate's own departure times, not the test's clock after the call returns: a
			// goroutine descheduled between the two made a correct gate look wrong.
			left, err := d.wait(context.Background(), start.Add(time.Duration(i)*time.Millisecond), n)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			out = append(out, left)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(out, func(a, b int) bool { return out[a].Before(out[b]) })
	for i := n; i < len(out); i++ {
		if gap := out[i].Sub(out[i-n]); gap < DepartureWindow {
			t.Fatalf("departures %d and %d are %v apart: %d sends inside %v", i-n, i, gap, n+1, DepartureWindow)
		}
	}
}

// A smaller rate (after a 130429) keeps the latest departures and counts them at once.
func TestDeparturesResizeKeepsTheLatest(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	d := newDepartures(time.Now)
	d.resize(4)
	for i := range 6 {
		d.record(base.Add(time.Duration(i) * time.Second))
	}
	d.resize(2)
	if len(d.times) != 2 || !d.times[0].Equal(base.Add(4*time.Second)) || !d.times[1].Equal(base.Add(5*time.Second)) {
		t.Fatalf("after shrinking: %v, want the departures at 4 s and 5 s", d.times)
	}
	d.resize(3)
	d.record(base.Add(6 * time.Second))
	d.record(base.Add(7 * time.Second)) // overwrites the oldest (4 s)
	if got := d.times[d.next]; !got.Equal(base.Add(5 * time.Second)) {
		t.Fatalf("oldest after growing and wrapping = %v, want 5 s", got)
	}
}

func TestDeparturesGiveUpWithTheContext(t *testing.T) {
	t.Parallel()
	d := newDepartures(time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.wait(ctx, time.Now().Add(time.Hour), 1); err == nil {
		t.Fatal("a send whose context ended left anyway")
	}
	if len(d.times) != 0 {
		t.Fatal("a send that did not leave was counted")
	}
}

// A send whose deadline ends while it waits at the gate never left: its failure says so
// (Unreached), so the attempt does not count against the message's attempts. Before, it
// was a plain transient failure, and a number backed up at its gate used up messages'
// attempts without a request.
func TestSendTimedOutAtTheGateIsUnreached(t *testing.T) {
	t.Parallel()
	gate := newDepartures(time.Now)
	if _, err := gate.wait(context.Background(), time.Now(), 1); err != nil { // the window's one send
		t.Fatal(err)
	}
	var done *attemptDone
	dep := departure{gate: gate, slot: time.Now(), window: 1, tell: func(m any) { done = m.(*attemptDone) }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	dep.send(ctx, persistence.OutboxMessage{ID: "m1"})
	f, ok := done.err.(*SendFailure)
	if !ok || !f.Unreached || f.MaybeSent {
		t.Fatalf("outcome %+v", done.err)
	}
	if d := decide(f, 4, 0, &OutboundPolicy{MaxTransientAttempts: 5}); d.action != actRetry || d.transient {
		t.Fatalf("decided %s (counted %v) for a send that never left", d.action, d.transient)
	}
}
