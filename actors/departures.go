package actors

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard/switchboard/internal/ctxsleep"
)

// JitterMargin widens the window departures are counted over. Meta counts a sliding second
// at its end, and a request reaches it later than it left by a varying delay; sends that
// left evenly can arrive bunched. At most n departures in any 1 s + JitterMargin means no
// second at Meta holds more than n as long as no request is delayed JitterMargin more than
// another. It costs JitterMargin/(1 s + JitterMargin) of the rate, the pacer's headroom.
const JitterMargin = 30 * time.Millisecond

// DepartureWindow is the span departures are counted over: no number sends more than its
// rate within it (exported for the pacing bench, which judges arrivals against it).
const DepartureWindow = time.Second + JitterMargin

// departures is the last gate of one sending number: the moment a request actually leaves.
// The pacer books slots on a virtual clock, but a goroutine can wake late for its slot and
// leave together with the next one, which woke on time: evenly booked sends can leave
// bunched, and a bunch is what Meta's sliding second punishes with 130429 (bench pacing, before
// this gate: 3–6 per number, each halving the rate). The gate keeps the real departure times
// of the last n sends and lets a send leave at its slot only if the send n before it left at
// least DepartureWindow earlier. A late send still catches up on its slot as far as the window
// allows, so lateness is not carried over to every later send.
//
// It is used from the attempt goroutines; the mutex is held across a wait for the window, so
// the sends of a number leave one at a time (in whatever order their goroutines get the lock).
type departures struct {
	mu    sync.Mutex
	times []time.Time // ring of the latest departures, oldest at next once full
	next  int
	now   func() time.Time
}

func newDepartures(now func() time.Time) *departures { return &departures{now: now} }

// wait blocks until a send booked for slot may leave with at most n sends (n ≥ 1) in any
// DepartureWindow, records its departure and returns its time, or returns ctx's error (the
// send then did not leave). A send sleeps until its slot before it queues for the gate, so a
// send booked ahead never holds back one whose slot came first.
func (d *departures) wait(ctx context.Context, slot time.Time, n int) (time.Time, error) {
	if err := ctxsleep.Sleep(ctx, slot.Sub(d.now())); err != nil {
		return time.Time{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.resize(max(1, n))
	if len(d.times) == cap(d.times) {
		if err := ctxsleep.Sleep(ctx, d.times[d.next].Add(DepartureWindow).Sub(d.now())); err != nil {
			return time.Time{}, err
		}
	}
	left := d.now()
	d.record(left)
	return left, nil
}

// record appends a departure, overwriting the oldest once the ring is full.
func (d *departures) record(t time.Time) {
	if len(d.times) < cap(d.times) {
		d.times = append(d.times, t)
		return
	}
	d.times[d.next] = t
	d.next = (d.next + 1) % len(d.times)
}

// resize follows a change of rate, keeping the latest departures that still fit.
func (d *departures) resize(n int) {
	if cap(d.times) == n {
		return
	}
	ordered := make([]time.Time, 0, len(d.times))
	if len(d.times) == cap(d.times) {
		ordered = append(ordered, d.times[d.next:]...)
		ordered = append(ordered, d.times[:d.next]...)
	} else {
		ordered = append(ordered, d.times...)
	}
	if len(ordered) > n {
		ordered = ordered[len(ordered)-n:]
	}
	d.times = append(make([]time.Time, 0, n), ordered...)
	d.next = 0
}

// seed fills an unused gate with departures made before it existed (gate_handover.go),
// oldest first: the sends of this activation count them as their own.
func (d *departures) seed(times []time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.times, d.next = append(make([]time.Time, 0, len(times)), times...), 0
}

// since returns the recorded departures later than from, oldest first.
func (d *departures) since(from time.Time) []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []time.Time
	for i := range d.times {
		if t := d.times[(d.next+i)%len(d.times)]; t.After(from) {
			out = append(out, t)
		}
	}
	return out
}
