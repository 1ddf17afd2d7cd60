package pairlimit

import (
	"testing"
	"time"
)

// Each step sends at offset `at` (from t0) and expects the send allowed or refused, and the
// time the pair is ready at afterwards (offset).
func TestDebt(t *testing.T) {
	const every, burst = 6 * time.Second, 45
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := time.Second
	type step struct {
		at      time.Duration
		n       int  // messages sent at at
		allowed bool // whether the last of them goes
		readyAt time.Duration
	}
	cases := []struct {
		name  string
		burst int
		steps []step
	}{
		{"one per interval is never refused", burst, []step{
			{0, 1, true, 0}, {6 * s, 1, true, 6 * s}, {12 * s, 1, true, 12 * s}, {18 * s, 1, true, 18 * s}}},
		{"a burst of 20 is borrowed: ~2 min before the next", burst, []step{
			{0, 20, true, 0}, {7 * s, 1, false, 120 * s}, {119 * s, 1, false, 120 * s}, {120 * s, 1, true, 120 * s}}},
		{"after a burst, one per interval is still refused until the debt is paid", burst, []step{
			{0, 20, true, 0}, {6 * s, 1, false, 120 * s}, {12 * s, 1, false, 120 * s}}},
		{"at most burst within one interval", burst, []step{
			{0, 45, true, 270 * s}, {5 * s, 1, false, 270 * s}, {270 * s, 1, true, 270 * s}}},
		{"the burst window is one interval from its first message", burst, []step{
			{0, 1, true, 0}, {5 * s, 1, true, 5 * s}, {6 * s, 1, false, 12 * s}, {12 * s, 1, true, 12 * s}}},
		{"burst 1: one per interval", 1, []step{
			{0, 1, true, 6 * s}, {3 * s, 1, false, 6 * s}, {6 * s, 1, true, 12 * s}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Debt
			for i, st := range tc.steps {
				now := t0.Add(st.at)
				var ok bool
				for range st.n {
					ok = d.Take(now, every, tc.burst)
				}
				if ok != st.allowed {
					t.Fatalf("step %d (+%s): allowed %v, want %v", i, st.at, ok, st.allowed)
				}
				if got := d.ReadyAt(now, every, tc.burst).Sub(t0); got != st.readyAt {
					t.Fatalf("step %d (+%s): ready at +%s, want +%s", i, st.at, got, st.readyAt)
				}
			}
		})
	}
}

func TestDebtGiveBackAndPaid(t *testing.T) {
	const every = 6 * time.Second
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var d Debt
	if !d.Paid(t0) {
		t.Fatal("the zero Debt owes")
	}
	d.Take(t0, every, 45)
	d.Take(t0, every, 45)
	if d.Paid(t0.Add(11*time.Second)) || !d.Paid(t0.Add(12*time.Second)) {
		t.Fatal("two messages owe two intervals")
	}
	d.GiveBack(every) // one never reached Meta
	if !d.Paid(t0.Add(6 * time.Second)) {
		t.Fatal("a message given back still owes its interval")
	}
	d.CloseWindow()
	if d.Take(t0.Add(time.Second), every, 45) || !d.Take(t0.Add(6*time.Second), every, 45) {
		t.Fatal("a closed window takes nothing until the debt is paid")
	}
}

// A sender keeping a margin is never refused by Meta's count (no margin, arrivals) when the
// way to Meta takes a little more or less time from one message to the next: steady
// sending, and a burst whose last message arrives later than its first.
func TestMarginAbsorbsJitter(t *testing.T) {
	const every, burst = 6 * time.Second, 45
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		latency []time.Duration // of each message, sent as soon as the sender's model allows
	}{
		{"steady, the way getting shorter", []time.Duration{40 * time.Millisecond, 20 * time.Millisecond, 10 * time.Millisecond, 0}},
		{"steady, the way getting longer", []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond, 450 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sender, meta := Debt{Margin: every / 12}, Debt{}
			at := t0
			for i, l := range tc.latency {
				at = sender.ReadyAt(at, every, burst)
				if !sender.Take(at, every, burst) {
					t.Fatalf("send %d: the sender's own model refused it", i)
				}
				if !meta.Take(at.Add(l), every, burst) {
					t.Fatalf("send %d (at +%v, way %v) refused by Meta's count (131056)", i, at.Sub(t0), l)
				}
			}
		})
	}
	// The burst window: messages sent across the sender's window, the first fast and the
	// last slow, all arrive within Meta's.
	sender, meta := Debt{Margin: every / 12}, Debt{}
	for i, off := range []time.Duration{0, 2 * time.Second, 5400 * time.Millisecond} {
		at := t0.Add(off)
		if !sender.Take(at, every, burst) {
			t.Fatalf("burst message %d refused by the sender", i)
		}
		way := time.Duration(0)
		if i == 2 {
			way = 450 * time.Millisecond
		}
		if !meta.Take(at.Add(way), every, burst) {
			t.Fatalf("burst message %d refused by Meta's count", i)
		}
	}
	if sender.Take(t0.Add(5600*time.Millisecond), every, burst) {
		t.Fatal("the sender's burst window did not close its margin early")
	}
}
