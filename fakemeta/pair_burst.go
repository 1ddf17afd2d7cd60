package fakemeta

import "time"

// pairBurst is what fakemeta, counting as Meta does, remembers of one (number, user) pair:
// the burst it is in — when that burst's first message arrived and how many have arrived
// in it. It is fakemeta's own reading of Meta's documented pair limit (WHATSAPP.md §3: one
// message per 6 s to the same user; bursts of up to 45 in 6 s allowed but borrowed, a
// burst of 20 leaving about 2 minutes to wait), kept apart from the engine's pacer
// (internal/pairlimit) so that a wrong reading on one side is refused by the other.
//
// Read that way, a burst opens with the first message after the pair owes nothing; more
// messages may join it while it is younger than one interval and holds fewer than the
// burst allowance; every message of it borrows one interval, so the pair owes nothing
// again one interval per message after the burst opened — and until then it takes
// nothing at all. Meta counts arrivals and keeps no margin; refused messages are not
// counted.
type pairBurst struct {
	opened time.Time // the burst's first arrival
	taken  int       // messages in the burst; 0 for a pair that never sent
}

// repaid is when the burst's loan is paid back: one interval for each of its messages,
// counted from its first.
func (b *pairBurst) repaid(every time.Duration) time.Time {
	return b.opened.Add(time.Duration(b.taken) * every)
}

// settled reports whether the pair owes nothing at now: a new burst may open, and the pair
// may be forgotten.
func (b *pairBurst) settled(now time.Time, every time.Duration) bool {
	return b.taken == 0 || !now.Before(b.repaid(every))
}

// arrive counts a message reaching Meta at now and reports whether Meta takes it (false:
// 131056). allowance is the most a burst may hold.
func (b *pairBurst) arrive(now time.Time, every time.Duration, allowance int) bool {
	switch {
	case b.settled(now, every):
		b.opened, b.taken = now, 1
	case now.Sub(b.opened) < every && b.taken < allowance:
		b.taken++
	default:
		return false
	}
	return true
}
