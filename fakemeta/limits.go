package fakemeta

import "time"

// acceptLog holds the times of a number's accepted sends in the last second. It is both
// the throughput limiter (a sliding window: at most N sends in any one-second span, so no
// double burst at a window edge) and the measure of the busiest second for Stats.
type acceptLog struct {
	times []time.Time
	head  int
	max   int // most sends ever inside one second
}

// evict drops sends at least one second older than now.
func (l *acceptLog) evict(now time.Time) {
	for l.head < len(l.times) && now.Sub(l.times[l.head]) >= time.Second {
		l.head++
	}
	if l.head > 1024 && l.head*2 > len(l.times) {
		l.times = append(l.times[:0], l.times[l.head:]...)
		l.head = 0
	}
}

// full reports whether limit sends already happened in the second up to now (limit 0 is
// unlimited).
func (l *acceptLog) full(now time.Time, limit int) bool {
	l.evict(now)
	return limit > 0 && len(l.times)-l.head >= limit
}

// add records an accepted send. Because every window that could hold the most sends ends
// at some send, checking after each one finds the true maximum.
func (l *acceptLog) add(now time.Time) {
	l.evict(now)
	l.times = append(l.times, now)
	if n := len(l.times) - l.head; n > l.max {
		l.max = n
	}
}

// bucket is the pair limit of one (number, recipient): a token bucket holding up to burst
// messages, refilled one per every.
type bucket struct {
	tokens float64
	at     time.Time
}

// take spends one message if the bucket has one.
func (b *bucket) take(now time.Time, every time.Duration, burst int) bool {
	switch {
	case b.at.IsZero():
		b.tokens, b.at = float64(burst), now
	case now.After(b.at):
		b.tokens = min(float64(burst), b.tokens+float64(now.Sub(b.at))/float64(every))
		b.at = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
