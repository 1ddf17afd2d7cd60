package actors

import (
	"time"
)

// Pacing across activations. Meta measures a number's throughput per number, not per
// activation of its tenant grain (WHATSAPP.md §2-3), but the departure gate lives in the
// activation's memory. A new activation (after passivation, a snapshot out of step, a crash,
// a rebalance) whose gate started empty could send its full rate in the very second the
// previous one had: up to twice the rate at Meta, answered with 130429.
//
// So the departures travel with the tenant's snapshot:
//   - an activation that has sent marks the snapshot (SendingSince) once, right after its
//     first batch of sends left for the gate — a save on the grain while they are on their
//     way, so it adds no latency to them (what reaches the grain meanwhile waits for it, once
//     per activation); it saves even over a predecessor's mark (markSending);
//   - when it stops it hands its gates over: each number's departures of the last
//     DepartureWindow (Gates), and clears the mark, in one save;
//   - the next activation seeds each number's gate with them; a mark it finds still set
//     means its predecessor ended without handing anything over (a crash, a snapshot out of
//     step, a save at stop that failed), and each number starts as if it had just sent its
//     full rate: its first send waits until a window has passed since the activation began.
//
// An activation after idle finds no departure within the window and no mark: it does not
// wait at all. The cost is two saves of the snapshot per activation that sends, and a
// window (1.03 s) of silence per number after an activation that ended unannounced. Not
// covered: a crash in the milliseconds between an activation's first send and its mark
// landing (those few sends are not known to the next activation), and the clocks of two
// members, which the handed-over times are read on: a member whose clock runs behind the
// previous one's waits longer, one ahead waits that much less.

// GateRecord is one number's departures handed to the next activation: the newest (Last,
// our wall clock) and how long before it each earlier one within the window left, in whole
// milliseconds rounded down (a departure taken as later than it was only makes the next
// activation wait longer).
type GateRecord struct {
	Last   time.Time `json:"last"`
	Before []int64   `json:"before,omitempty"`
}

// gateHandover is what a sender knows of the hand-over of its gates.
type gateHandover struct {
	begun  time.Time // on the gate clock: when this activation began
	unsure bool      // the previous activation ended without handing its gates over
	sent   bool      // this activation has started a send
	marked bool      // the snapshot is marked for it (or will be, with its next save)
}

// beginGates takes over what the tenant's snapshot says of the previous activation's
// departures.
func (s *sender) beginGates() {
	s.gates = gateHandover{begun: s.d.gateClock(), unsure: !s.state.SendingSince.IsZero()}
}

// unsureWindow reports whether, at gateNow, the departures of a predecessor that handed
// nothing over may still count in the number's window.
func (s *sender) unsureWindow(gateNow time.Time) bool {
	return s.gates.unsure && gateNow.Sub(s.gates.begun) < DepartureWindow
}

// seedGate fills a number's new gate with the departures the previous activation made in
// the window now ends, or, if it did not say, with a full window's at this activation's
// start; the pacer then books nothing before the gate opens, so the first sends do not park
// at it and leave together.
func (s *sender) seedGate(phoneNumberID string, nq *numberQueue) {
	gateNow, wallNow := s.d.gateClock(), s.d.Now()
	if s.unsureWindow(gateNow) {
		times := make([]time.Time, nq.pace.window())
		for i := range times {
			times[i] = s.gates.begun
		}
		nq.gate.seed(times)
		nq.pace.hold(wallNow.Add(s.gates.begun.Add(DepartureWindow).Sub(gateNow)))
		return
	}
	rec, ok := s.state.Gates[phoneNumberID]
	if !ok {
		return
	}
	from := gateNow.Add(-DepartureWindow)
	var times []time.Time
	for _, t := range rec.times() {
		if at := gateNow.Add(t.Sub(wallNow)); at.After(from) {
			times = append(times, at)
		}
	}
	if len(times) > 0 {
		nq.gate.seed(times)
	}
}

// markSending marks the snapshot once this activation has sent: should it end without
// handing its gates over, the next one knows to start conservatively. A save that does not
// land keeps the mark in memory, for the next save to carry. It saves even over a
// predecessor's mark still in the store: this activation then holds a version of its own, so
// a predecessor still stopping (two activations at once: a rebalance, a snapshot out of step)
// is refused when its hand-over would clear the mark under this one's sends — and would
// fence this one at its next save, a pause or a hold lost with it.
func (s *sender) markSending(now time.Time) {
	if s.gates.marked || !s.gates.sent {
		return
	}
	s.gates.marked = true
	if s.state.SendingSince.IsZero() {
		s.state.SendingSince = now
	}
	if err := s.save(); err != nil {
		s.d.Log.Warn("tenant snapshot not marked as sending", "tenant", s.tenantID, "err", err)
	}
}

// handGates puts the gates' departures of the last window into the tenant's state, for the
// next activation, and reports whether the snapshot must be saved for it. Called once the
// sender stopped: no attempt leaves after that (a send past its gate finds the activation
// halted and hands its message over), so the departures read here are the last.
func (s *sender) handGates() bool {
	if !s.gates.marked && s.state.SendingSince.IsZero() {
		return false // sent nothing, and the snapshot holds what the previous activation left
	}
	gateNow, wallNow := s.d.gateClock(), s.d.Now()
	gates := map[string]GateRecord{}
	for id, rec := range s.state.Gates { // numbers this activation did not send from
		if _, ours := s.numbers[id]; !ours && wallNow.Sub(rec.Last) < DepartureWindow {
			gates[id] = rec
		}
	}
	for id, nq := range s.numbers {
		times := nq.gate.since(gateNow.Add(-DepartureWindow))
		if len(times) == 0 {
			delete(gates, id)
			continue
		}
		for i := range times {
			times[i] = wallNow.Add(times[i].Sub(gateNow))
		}
		gates[id] = gateRecordOf(times)
	}
	s.state.Gates = nil
	if len(gates) > 0 {
		s.state.Gates = gates
	}
	if !s.unsureWindow(gateNow) {
		s.state.SendingSince = time.Time{}
	}
	return true
}

// gateRecordOf records departures given oldest first.
func gateRecordOf(times []time.Time) GateRecord {
	last := times[len(times)-1]
	rec := GateRecord{Last: last}
	for _, t := range times[:len(times)-1] {
		rec.Before = append(rec.Before, int64(last.Sub(t)/time.Millisecond))
	}
	return rec
}

// times are the record's departures, oldest first.
func (r GateRecord) times() []time.Time {
	out := make([]time.Time, 0, len(r.Before)+1)
	for _, ms := range r.Before {
		out = append(out, r.Last.Add(-time.Duration(ms)*time.Millisecond))
	}
	return append(out, r.Last)
}

// stopSending stops the sender and, the first time, hands its gates over to the next
// activation with a save of the snapshot (none for an activation that sent nothing, nor for
// one out of step with the store, whose successor starts conservatively instead).
func (g *tenantGrain) stopSending() {
	first := !g.out.stopped
	g.out.stop()
	g.haltAliases()
	if !first || g.fenced != "" || !g.out.handGates() {
		return
	}
	if err := g.save(); err != nil {
		g.d.Log.Warn("tenant's departures not handed over; its next activation starts its gates full", "tenant", g.tenantID, "err", err)
	}
}
