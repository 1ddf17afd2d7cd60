package actors

import "time"

// minRate is the floor a throttled number slows to (messages per second).
const minRate = 1.0

// pacer paces one business number. Sends leave at least 1/rate apart (a virtual
// scheduling clock, GCRA without burst), so no one-second span ever holds more than rate
// sends: Meta counts a sliding second, and a bucket with a burst would let a second hold
// rate + burst.
//
// On a throughput error (130429) Meta is telling us its limit for the number is below our
// rate: the pacer halves its rate and pauses for the backoff of the episode, and creeps back
// towards the configured rate by a tenth of it per quiet second (AIMD). Answers to sends
// booked before the episode began do not count again: a burst already in flight (or booked
// ahead, within the sender's lead) comes back as many 130429s, and that is one signal.
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

// headroom keeps the pacer a little under the rate. Sends leave this process evenly spaced
// but reach Meta with scheduling and network jitter, and Meta counts a sliding second: at
// exactly the limit, jitter alone produced 130429s, and each halves the rate
// (bench/results.md: 63-67 % of the rate achieved without headroom).
const headroom = 0.97

func (p *pacer) interval() time.Duration {
	return time.Duration(float64(time.Second) / (p.rate * headroom))
}

// slot is when the next send may leave, never before now.
func (p *pacer) slot(now time.Time) time.Time {
	if p.next.After(now) {
		return p.next
	}
	return now
}

// reserve books the next slot and returns it.
func (p *pacer) reserve(now time.Time) time.Time {
	s := p.slot(now)
	p.next = s.Add(p.interval())
	return s
}

// setLimit follows a change of the tenant's setting.
func (p *pacer) setLimit(rate int) {
	p.limit = float64(rate)
	p.rate = min(p.rate, p.limit)
	if p.strikes == 0 {
		p.rate = p.limit
	}
}

// throttled reacts to a 130429 answered at now for a send booked at bookedAt, and reports
// whether it began a new episode. backoff(n) is the pause of episode n (0-based).
func (p *pacer) throttled(now, bookedAt time.Time, backoff func(episode int) time.Duration) bool {
	if !p.throttledAt.IsZero() && bookedAt.Before(p.throttledAt) {
		return false
	}
	pause := backoff(p.strikes)
	p.strikes++
	p.rate = max(minRate, p.rate/2)
	p.throttledAt, p.raisedAt = now, now
	if resume := now.Add(pause); resume.After(p.next) {
		p.next = resume
	}
	return true
}

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
