package fakemeta

import (
	"sort"
	"time"
)

// Arrival is one send request as fakemeta's busiest-second measure saw it: when it arrived,
// when the engine says it left its departure gate (the X-Switchboard-Departed header; zero
// without one), and which message it carried (biz_opaque_callback_data: the engine's id).
// OnConn is the request's number on its connection: 1 is a request that had to open one,
// which costs it a dial and an accept the requests on open connections do not wait for.
type Arrival struct {
	At       time.Time `json:"at"`
	Departed time.Time `json:"departed,omitzero"`
	Message  string    `json:"message,omitempty"`
	OnConn   uint64    `json:"on_conn,omitempty"`
}

// Transit is how long the request took from its departure to its arrival (0 unstamped).
// Both ends read the wall clock of one machine in the bench and the tests.
func (a Arrival) Transit() time.Duration {
	if a.Departed.IsZero() {
		return 0
	}
	return a.At.Sub(a.Departed)
}

// secondWindow holds the events of the last second: a sliding window, so "at most N in any
// one-second span" has no double burst at a window edge.
type secondWindow struct {
	events  []Arrival
	head    int
	dropped int // events compacted away: an event's sequence number is dropped + its index
}

// evict drops events at least one second older than now.
func (w *secondWindow) evict(now time.Time) {
	w.slide(now)
	if w.compactable() {
		w.compact()
	}
}

// slide moves the window's start past the events at least one second older than now.
func (w *secondWindow) slide(now time.Time) {
	for w.head < len(w.events) && now.Sub(w.events[w.head].At) >= time.Second {
		w.head++
	}
}

// compactable says the events slid out take enough room to be worth a copy.
func (w *secondWindow) compactable() bool { return w.head > 1024 && w.head*2 > len(w.events) }

// compact forgets the events slid out.
func (w *secondWindow) compact() {
	w.dropped += w.head
	w.events = append(w.events[:0], w.events[w.head:]...)
	w.head = 0
}

// full reports whether limit events already happened in the second up to now (limit 0 is
// unlimited): the throughput limiter's question. now is a request's arrival, which may be
// before events recorded already (insert): those arrived after it and do not count.
func (w *secondWindow) full(now time.Time, limit int) bool {
	w.evict(now)
	n := len(w.events)
	for n > w.head && w.events[n-1].At.After(now) {
		n--
	}
	return limit > 0 && n-w.head >= limit
}

// add records an event (at its At).
func (w *secondWindow) add(e Arrival) {
	w.evict(e.At)
	w.insert(e)
}

// insert places e in At order and returns its index. Requests are recorded when their
// handler takes the number's lock, not in the order they arrived: one whose handler waited
// (for the lock, the scheduler, a collection) goes before those that arrived after it.
func (w *secondWindow) insert(e Arrival) int {
	ev := append(w.events, e)
	p := len(ev) - 1
	for ; p > w.head && ev[p-1].At.After(e.At); p-- {
		ev[p] = ev[p-1]
	}
	ev[p] = e
	w.events = ev
	return p
}

// busiestSecond measures the most events inside any one-second span, and keeps that span's
// events: when it holds more than a number's rate, they tell whether requests left the
// engine too close together or were delayed on their way. Every window that could hold the
// most events ends at some event, so checking after each one finds the true maximum. The
// span's events stay in the window's buffer until a compaction would drop them, and are
// copied out only then (or when read): copying at every new maximum cost the square of a
// number's rate as it ramped up. It is kept apart from the limiter so that a reset between
// bench phases forgets the measure without forgetting the last second's sends, which still
// count against the limit.
type busiestSecond struct {
	w     secondWindow
	max   int
	end   int       // sequence number after the busiest span's last event
	worst []Arrival // the busiest span's events once copied out; nil while in w
}

// lateSlack is how late a request may reach add after requests that arrived after it and
// still be counted with the ones before it: the buffer keeps that much more than a second.
const lateSlack = time.Second

// add records e in arrival order (secondWindow.insert). Every window ending at an event from
// e on is counted again, as each now holds one more.
func (b *busiestSecond) add(e Arrival) {
	b.w.slide(e.At.Add(-lateSlack))
	if b.w.compactable() {
		b.keep()
		b.w.compact()
	}
	p := b.w.insert(e)
	ev := b.w.events
	if b.worst == nil && p < b.end-b.w.dropped {
		b.end++ // the busiest span, still in the buffer, moved up by one
	}
	for i := p; i < len(ev); i++ {
		// The window ending at event i: the events less than a second before it.
		lo := b.w.head + sort.Search(i-b.w.head, func(j int) bool { return ev[i].At.Sub(ev[b.w.head+j].At) < time.Second })
		if n := i - lo + 1; n > b.max {
			b.max, b.end, b.worst = n, b.w.dropped+i+1, nil
		}
	}
}

// keep copies the busiest span's events out of the window's buffer, if not done yet.
func (b *busiestSecond) keep() {
	if b.worst != nil || b.max == 0 {
		return
	}
	to := b.end - b.w.dropped
	b.worst = append([]Arrival(nil), b.w.events[to-b.max:to]...)
}

// requests is the busiest span's events, oldest first (a copy).
func (b *busiestSecond) requests() []Arrival {
	b.keep()
	return append([]Arrival(nil), b.worst...)
}
