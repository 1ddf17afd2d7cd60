package actors

import "time"

// minRate is the floor a throttled number slows to (messages per second).
const minRate = 1.0

// pacer paces one business number. Sends leave at least 1/rate apart (a virtual
// scheduling clock, GCRA without burst), so no one-second span ever holds more than rate
// sends: Meta counts a sliding second, and a bucket with a burst would let a second hold
// rate + burst.
//
// On a throughput error (130429) Meta counted more than its limit in a second. The first
// episode after a quiet spell trims the rate by a tenth and pauses briefly (trimPause): the
// pacer already sends at the number's limit, spaced by the departure gate, so a lone 130429
// means requests bunched on their way (network, Meta's edge), not that the limit is lower.
// An episode that follows it without an accepted send in between means the limit really is
// lower: the rate halves and the number pauses for the backoff of the episode. The rate
// creeps back towards the configured one by a tenth of it per quiet second (AIMD). Answers to
// sends booked before the episode began do not count again: a burst already in flight (or
// booked ahead, within the sender's lead) comes back as many 130429s, and that is one signal.
//
// Halving at the first 130429 cost a 1,000 msg/s number about 3 points of a 30 s run per
// jitter episode (bench pacing: one 130429, 94.4 % of the rate; with a CPU hog beside it,
// 86.8 %), below the 95 % it must keep; trimming keeps it at 96–97 % in the same conditions.
type pacer struct {
	limit       float64   // configured messages per second
	rate        float64   // current rate, ≤ limit
	next        time.Time // earliest slot of the next send
	strikes     int       // consecutive throttle episodes
	throttledAt time.Time // start of the latest episode
	raisedAt    time.Time // last change of rate
}

func newPacer(rate int) *pacer {
	return &pacer{limit: float64(rate), rate: float64(rate)}
}

// headroom keeps the pacer's virtual clock at the pace the departure gate lets through
// (departures.go): at most rate sends in any second plus JitterMargin. Booking faster would
// only park claimed messages at the gate.
const headroom = float64(time.Second) / float64(DepartureWindow)

func (p *pacer) interval() time.Duration {
	return time.Duration(float64(time.Second) / (p.rate * headroom))
}

// catchUp is how far the virtual clock may fall behind now. A sender that comes late for
// its slots (a busy mailbox, a late timer) books the slots it missed, up to this far back,
// instead of losing them for good: without it every late wake-up lowered the achieved rate.
// The sends of those slots leave together, which the departure gate allows only while the
// last second's departures leave room, so Meta's count is still respected.
const catchUp = 100 * time.Millisecond

// slot is when the next send may leave: possibly in the past (up to catchUp), meaning now.
func (p *pacer) slot(now time.Time) time.Time {
	if earliest := now.Add(-catchUp); p.next.Before(earliest) {
		return earliest
	}
	return p.next
}

// reserve books the next slot and returns it.
func (p *pacer) reserve(now time.Time) time.Time {
	s := p.slot(now)
	p.next = s.Add(p.interval())
	return s
}

// charge books n slots for messages the number received: Meta's limit counts inbound and
// outbound messages together (WHATSAPP.md §3). The slots are booked from now, never back
// into missed ones (the received messages took those), and never more than a second ahead:
// Meta counts a sliding second, so a message received a second ago no longer takes room.
func (p *pacer) charge(now time.Time, n int) {
	if n <= 0 {
		return
	}
	next := later(p.next, now).Add(time.Duration(n) * p.interval())
	if limit := now.Add(time.Second); next.After(limit) {
		next = later(p.next, limit)
	}
	p.next = next
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// setLimit follows a change of the tenant's setting.
func (p *pacer) setLimit(rate int) {
	p.limit = float64(rate)
	p.rate = min(p.rate, p.limit)
	if p.strikes == 0 {
		p.rate = p.limit
	}
}

// trimFactor and trimPause are the first episode's answer: a tenth off the rate, which the
// next quiet second gives back, and a pause long enough for Meta's sliding second to shed a
// bunch of a few requests at any rate we pace (100 ms holds 100 sends at 1,000 msg/s, 2 at
// 20 msg/s).
const (
	trimFactor = 0.9
	trimPause  = 100 * time.Millisecond
)

// throttled reacts to a 130429 answered at now for a send booked at bookedAt, and reports
// whether it began a new episode. backoff(n) is the pause of the n-th (0-based) episode that
// halves the rate, the second and later of a run.
func (p *pacer) throttled(now, bookedAt time.Time, backoff func(episode int) time.Duration) bool {
	if !p.throttledAt.IsZero() && bookedAt.Before(p.throttledAt) {
		return false
	}
	pause := trimPause
	if p.strikes == 0 {
		p.rate = max(minRate, p.rate*trimFactor)
	} else {
		pause = backoff(p.strikes - 1)
		p.rate = max(minRate, p.rate/2)
	}
	p.strikes++
	p.throttledAt, p.raisedAt = now, now
	p.hold(now.Add(pause))
	return true
}

// hold keeps the number from sending before until: Meta answered that it could take no
// message from it just then (an outage, maintenance, the WABA's or app's rate limit), which
// the number's other messages would meet as well — and for a rate limit every refused call
// counts against it again. The rate is not touched: the limit is not the number's
// throughput. A hold ending sooner than one in force changes nothing.
func (p *pacer) hold(until time.Time) { p.next = later(p.next, until) }

// episode is the 0-based number of the current run of throttle episodes (0 before any): a
// throttled message's own backoff grows with it.
func (p *pacer) episode() int { return max(0, p.strikes-1) }

// succeeded records an accepted send booked at bookedAt: Meta is quiet again, so the
// episodes end and the rate recovers one step per quiet second.
func (p *pacer) succeeded(now, bookedAt time.Time) {
	if !p.throttledAt.IsZero() && bookedAt.Before(p.throttledAt) {
		return // booked before the latest episode: says nothing about the rate since
	}
	p.strikes = 0
	if p.rate >= p.limit || now.Sub(p.raisedAt) < time.Second {
		return
	}
	p.rate = min(p.limit, p.rate+max(1, p.limit/10))
	p.raisedAt = now
}

// window is how many sends may leave in any DepartureWindow at the current rate.
func (p *pacer) window() int { return max(1, int(p.rate)) }
