package actors

import (
	"testing"
	"time"
)

// maxInAnySecond is the most slots inside any half-open one-second span, the way Meta
// (and fakemeta) count a number's throughput.
func maxInAnySecond(slots []time.Time) int {
	most, j := 0, 0
	for i := range slots {
		for slots[i].Sub(slots[j]) >= time.Second {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

func TestPacerNeverExceedsItsRateInAnySecond(t *testing.T) {
	for _, tc := range []struct {
		name string
		rate int
		step time.Duration // how far the clock moves between reservations
	}{
		{"default 80, caller faster than the rate", 80, time.Millisecond},
		{"default 80, caller in bursts", 80, 0},
		{"1000 mps", 1000, 100 * time.Microsecond},
		{"slow caller never waits", 10, 200 * time.Millisecond},
		{"one per second", 1, 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPacer(tc.rate)
			now := t0
			var slots []time.Time
			for range 5 * tc.rate {
				slots = append(slots, p.reserve(now))
				now = now.Add(tc.step)
			}
			if got := maxInAnySecond(slots); got > tc.rate {
				t.Fatalf("%d sends in one second, rate %d", got, tc.rate)
			}
			for i := 1; i < len(slots); i++ {
				if slots[i].Before(slots[i-1]) {
					t.Fatalf("slot %d before slot %d", i, i-1)
				}
			}
			// Achieved rate: the whole run takes about len/rate seconds, not more.
			span := slots[len(slots)-1].Sub(slots[0])
			want := time.Duration(float64(len(slots)-1) / (float64(tc.rate) * headroom) * float64(time.Second))
			if tc.step*time.Duration(len(slots)) < want && span > want+time.Millisecond {
				t.Fatalf("took %s for %d sends at %d/s (want ≈ %s)", span, len(slots), tc.rate, want)
			}
		})
	}
}

func TestPacerThrottleEpisodes(t *testing.T) {
	backoff := func(n int) time.Duration { return time.Duration(1<<n) * time.Second }
	p := newPacer(80)
	now := t0
	for range 10 {
		p.reserve(now)
	}
	sentBefore := now
	now = now.Add(50 * time.Millisecond)
	if !p.throttled(now, sentBefore, backoff) {
		t.Fatal("first 130429 did not start an episode")
	}
	// A lone episode is bunching in transit: a tenth off and a short pause.
	if p.rate != 72 || !p.slot(now).Equal(now.Add(trimPause)) {
		t.Fatalf("after one episode: rate %v, next slot in %s", p.rate, p.slot(now).Sub(now))
	}
	// The rest of the burst that was already in flight answers 130429 too: one signal.
	for range 9 {
		if p.throttled(now.Add(time.Millisecond), sentBefore, backoff) {
			t.Fatal("an answer to a send from before the episode escalated it")
		}
	}
	if p.rate != 72 || p.strikes != 1 {
		t.Fatalf("stale answers changed rate %v strikes %d", p.rate, p.strikes)
	}
	// A send of the new episode is throttled again, with no accepted send between: the
	// limit really is lower. Half, and the backoff of the first halving.
	slot := p.reserve(now)
	later := slot.Add(10 * time.Millisecond)
	if !p.throttled(later, slot, backoff) || p.rate != 36 || !p.slot(later).Equal(later.Add(time.Second)) {
		t.Fatalf("second episode: rate %v, pause %s", p.rate, p.slot(later).Sub(later))
	}
	// And the next: half again, a longer pause.
	slot = p.reserve(later)
	later = slot.Add(10 * time.Millisecond)
	if !p.throttled(later, slot, backoff) || p.rate != 18 || !p.slot(later).Equal(later.Add(2*time.Second)) {
		t.Fatalf("third episode: rate %v, pause %s", p.rate, p.slot(later).Sub(later))
	}
	// Throttling never goes below the floor.
	for range 20 {
		s := p.reserve(later)
		later = s.Add(time.Millisecond)
		p.throttled(later, s, func(int) time.Duration { return 0 })
	}
	if p.rate != minRate {
		t.Fatalf("rate %v after many episodes, want the floor %v", p.rate, minRate)
	}
	// Quiet seconds bring it back, one tenth of the limit per second, up to the limit.
	for range 40 {
		s := p.reserve(later)
		later = s.Add(time.Second)
		p.succeeded(later, s)
	}
	if p.rate != 80 || p.strikes != 0 {
		t.Fatalf("rate %v strikes %d after 40 quiet seconds", p.rate, p.strikes)
	}
}

// An accepted send between two 130429s ends the run: the next episode trims again instead
// of halving, and the rate comes back to the limit after a quiet second.
func TestPacerLoneEpisodesOnlyTrim(t *testing.T) {
	backoff := func(n int) time.Duration { return time.Duration(1<<n) * time.Second }
	p := newPacer(1000)
	now := t0
	for range 3 {
		s := p.reserve(now)
		now = s.Add(5 * time.Millisecond)
		if !p.throttled(now, s, backoff) || p.rate != 900 {
			t.Fatalf("lone episode: rate %v", p.rate)
		}
		s = p.reserve(now)
		now = s.Add(time.Second + 5*time.Millisecond)
		p.succeeded(now, s)
		if p.rate != 1000 || p.strikes != 0 {
			t.Fatalf("a quiet second after a lone episode: rate %v strikes %d", p.rate, p.strikes)
		}
	}
}

func TestPacerSuccessOfAnOldSendDoesNotEndAnEpisode(t *testing.T) {
	p := newPacer(10)
	old := p.reserve(t0)
	p.throttled(t0.Add(time.Second), t0.Add(time.Second), func(int) time.Duration { return time.Second })
	p.succeeded(t0.Add(3*time.Second), old)
	if p.strikes != 1 {
		t.Fatal("an answer from before the episode reset its strikes")
	}
}

func TestPacerFollowsTheTenantsSetting(t *testing.T) {
	p := newPacer(80)
	p.setLimit(1000)
	if p.rate != 1000 {
		t.Fatalf("raised limit: rate %v", p.rate)
	}
	p.throttled(t0, t0, func(int) time.Duration { return 0 })
	p.setLimit(2000)
	if p.rate != 900 || p.limit != 2000 {
		t.Fatalf("a throttled number keeps its reduced rate: %v/%v", p.rate, p.limit)
	}
	p.setLimit(100)
	if p.rate != 100 {
		t.Fatalf("a lower limit caps the rate: %v", p.rate)
	}
}

func TestRateOf(t *testing.T) {
	p := OutboundPolicy{}
	p.defaults()
	for _, tc := range []struct {
		name    string
		setting int
		high    bool
		want    int
	}{
		{"no setting: Meta's default", 0, false, 80},
		{"no setting, upgraded number: the upgraded tier", 0, true, 1000},
		{"a setting wins over the default", 50, false, 50},
		{"a setting wins over the upgrade", 20, true, 20},
		{"a setting above the tier is capped", 5000, false, 1000},
	} {
		if got := p.rateOf(tc.setting, tc.high); got != tc.want {
			t.Errorf("%s: rateOf(%d, %v) = %d, want %d", tc.name, tc.setting, tc.high, got, tc.want)
		}
	}
}

// Meta counts what a number receives against the same limit as what it sends: received
// messages push the next send back by their share of the second, and only within the
// sliding second Meta counts.
func TestPacerChargesInboundMessages(t *testing.T) {
	p := newPacer(80)
	p.charge(t0, 60)
	if got, want := p.slot(t0), t0.Add(60*p.interval()); !got.Equal(want) {
		t.Fatalf("after 60 received messages the next send leaves at %v, want %v", got.Sub(t0), want.Sub(t0))
	}
	// Slots missed before the messages came are not booked again behind them.
	late := t0.Add(10 * time.Second)
	p.charge(late, 1)
	if got := p.slot(late); !got.Equal(late.Add(p.interval())) {
		t.Fatalf("a charge after an idle spell starts at %v after now, want one interval", got.Sub(late))
	}
	// A flood is charged for one second at most: older messages leave Meta's window.
	p.charge(late, 10_000)
	if got := p.slot(late); !got.Equal(late.Add(time.Second)) {
		t.Fatalf("a flood of received messages holds sends back %v, want 1s", got.Sub(late))
	}
	p.charge(late, 0)
	if got := p.slot(late); !got.Equal(late.Add(time.Second)) {
		t.Fatalf("charging nothing moved the clock to %v", got.Sub(late))
	}
}

// Meta could take no message from the number (an outage, maintenance, a rate limit of the
// WABA or app): no slot before the hold ends, the rate itself untouched, and a shorter hold
// answered later (a send booked before the first refusal) does not bring the end forward.
func TestPacerHold(t *testing.T) {
	p := newPacer(80)
	p.hold(t0.Add(time.Minute))
	p.hold(t0.Add(time.Second))
	if s := p.reserve(t0); !s.Equal(t0.Add(time.Minute)) {
		t.Fatalf("first slot %v after a hold of a minute", s.Sub(t0))
	}
	if p.rate != 80 || p.strikes != 0 {
		t.Fatalf("a hold changed the rate: %v, %d strikes", p.rate, p.strikes)
	}
}
