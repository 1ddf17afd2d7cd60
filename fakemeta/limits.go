package fakemeta

import "time"

// secondWindow holds the times of events in the last second: a sliding window, so "at
// most N in any one-second span" has no double burst at a window edge.
type secondWindow struct {
	times []time.Time
	head  int
}

// evict drops events at least one second older than now.
func (w *secondWindow) evict(now time.Time) {
	for w.head < len(w.times) && now.Sub(w.times[w.head]) >= time.Second {
		w.head++
	}
	if w.head > 1024 && w.head*2 > len(w.times) {
		w.times = append(w.times[:0], w.times[w.head:]...)
		w.head = 0
	}
}

// full reports whether limit events already happened in the second up to now (limit 0 is
// unlimited): the throughput limiter's question.
func (w *secondWindow) full(now time.Time, limit int) bool {
	w.evict(now)
	return limit > 0 && len(w.times)-w.head >= limit
}

// add records an event at now and returns how many the second up to now holds.
func (w *secondWindow) add(now time.Time) int {
	w.evict(now)
	w.times = append(w.times, now)
	return len(w.times) - w.head
}

// busiestSecond measures the most events inside any one-second span. Every window that could
// hold the most events ends at some event, so checking after each one finds the true
// maximum. It is kept apart from the limiter so that a reset between bench phases forgets
// the measure without forgetting the last second's sends, which still count against the
// limit.
type busiestSecond struct {
	w   secondWindow
	max int
}

func (b *busiestSecond) add(now time.Time) { b.max = max(b.max, b.w.add(now)) }
