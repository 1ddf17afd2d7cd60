package fakemeta

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/pairlimit"
)

// Meta's documented pair limit, case by case, through fakemeta's count (pairBurst) and the
// engine's (pairlimit.Debt without a margin, as Meta would keep it): both must take and
// refuse the same arrivals, and both as the documentation reads.
func TestPairBurstAgreesWithEnginePairLimit(t *testing.T) {
	const every = 6 * time.Second
	s := time.Second
	cases := []struct {
		name      string
		allowance int
		arrivals  []arrival
	}{
		{"one per interval is never refused", 45, []arrival{{0, true}, {6 * s, true}, {12 * s, true}, {18 * s, true}}},
		{"a burst of 3 owes 18 s", 3, []arrival{{0, true}, {0, true}, {0, true}, {0, false}, {17 * s, false}, {18 * s, true}}},
		{"45 in one interval, not 46", 45, append(repeatArrival(0, 45, true), arrival{5 * s, false}, arrival{270 * s, true})},
		{"a burst of 20: about 2 min to wait", 45, append(repeatArrival(0, 20, true),
			arrival{7 * s, false}, arrival{119 * s, false}, arrival{120 * s, true})},
		{"the burst lasts one interval from its first arrival", 45, []arrival{
			{0, true}, {5 * s, true}, {6 * s, false}, {12 * s, true}}},
		{"a message exactly one interval after a lone one opens a new burst", 45, []arrival{
			{0, true}, {6 * s, true}, {6 * s, true}, {11*s + 999*time.Millisecond, true}, {12 * s, false}, {24 * s, true}}},
		{"allowance 1: one per interval", 1, []arrival{{0, true}, {3 * s, false}, {6 * s, true}, {11 * s, false}}},
	}
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var fake pairBurst
			var engine pairlimit.Debt
			for i, a := range tc.arrivals {
				now := t0.Add(a.at)
				f, e := fake.arrive(now, every, tc.allowance), engine.Take(now, every, tc.allowance)
				if f != a.taken || e != a.taken {
					t.Fatalf("arrival %d (+%s): fakemeta takes %v, engine %v; the documentation %v", i, a.at, f, e, a.taken)
				}
			}
		})
	}
}

// arrival is a message reaching Meta at (from the first arrival), and whether Meta takes it.
type arrival struct {
	at    time.Duration
	taken bool
}

// repeatArrival is n arrivals at the same instant.
func repeatArrival(at time.Duration, n int, taken bool) []arrival {
	out := make([]arrival, n)
	for i := range out {
		out[i] = arrival{at, taken}
	}
	return out
}

// Over many random arrival sequences (fixed seed), fakemeta's count and the engine's
// margin-free model take exactly the same messages.
func TestPairBurstAgreesOnRandomArrivals(t *testing.T) {
	const every = 6 * time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for seq := range 2000 {
		allowance := 1 + rng.IntN(8)
		var fake pairBurst
		var engine pairlimit.Debt
		now := t0
		for i := range 60 {
			// Gaps from bursts (0) to past a whole debt, in whole and odd milliseconds.
			now = now.Add(time.Duration(rng.IntN(int(3*every/time.Millisecond))) * time.Millisecond / time.Duration(1+rng.IntN(4)))
			if f, e := fake.arrive(now, every, allowance), engine.Take(now, every, allowance); f != e {
				t.Fatalf("sequence %d arrival %d (+%s, allowance %d): fakemeta takes %v, engine %v", seq, i, now.Sub(t0), allowance, f, e)
			}
		}
	}
}

// The engine paces a customer with a margin (pairlimit.Debt.Margin) so that messages it
// sends the moment its model allows still arrive in time however the network delays each
// by up to that margin: fakemeta, counting arrivals with no margin, refuses none of them.
func TestEnginePacingPassesFakemetaCount(t *testing.T) {
	const every, margin = 6 * time.Second, 500 * time.Millisecond
	rng := rand.New(rand.NewPCG(3, 4))
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for seq := range 500 {
		allowance := 1 + rng.IntN(45)
		var fake pairBurst
		sender := pairlimit.Debt{Margin: margin}
		now := t0
		for i := range 100 {
			// The sender has a message to send after a random pause and sends it as soon as
			// its model allows; the network delays it by up to the margin.
			now = now.Add(time.Duration(rng.IntN(int(2*every/time.Millisecond))) * time.Millisecond / time.Duration(1+rng.IntN(20)))
			now = sender.ReadyAt(now, every, allowance)
			if !sender.Take(now, every, allowance) {
				t.Fatalf("sequence %d message %d: the sender refused its own ReadyAt", seq, i)
			}
			arrived := now.Add(time.Duration(rng.Int64N(int64(margin))))
			if !fake.arrive(arrived, every, allowance) {
				t.Fatalf("sequence %d message %d (allowance %d): sent at +%s, arrived +%s, refused by fakemeta", seq, i, allowance, now.Sub(t0), arrived.Sub(t0))
			}
		}
	}
}
