package ratelimit

import "math/bits"

// counter is the state of one (rule, key) for the sliding window counter (see the package
// comment). Times are nanoseconds on the owner's clock; Redis keeps the same three fields in
// a hash, in microseconds of server time (script.go).
type counter struct {
	start int64 // when the current window began
	cur   int64 // requests allowed in the current window
	prev  int64 // requests allowed in the previous window
}

// expired reports whether c says nothing any more at now: two windows after its start the
// previous window has slid out entirely.
func (c counter) expired(now, size int64) bool { return now >= c.start+2*size }

// roll moves c to the window that contains now.
func (c *counter) roll(now, size int64) {
	switch {
	case c.expired(now, size):
		*c = counter{start: now}
	case now >= c.start+size:
		c.prev, c.cur, c.start = c.cur, 0, c.start+size
	}
}

// take decides one request at now for a rule of limit per size, counting it when allowed
// unless peek. It returns the remaining budget (after the request, when counted), or when
// denied the wait until a request fits.
func (c *counter) take(now, limit, size int64, peek bool) (allowed bool, remaining, wait int64) {
	c.roll(now, size)
	elapsed := max(now-c.start, 0) // a clock that stepped back counts as no time passed
	used := mulDiv(c.prev, size-elapsed, size) + c.cur
	if used+1 <= limit {
		if peek {
			return true, limit - used, 0
		}
		c.cur++
		return true, limit - used - 1, 0
	}
	if c.cur >= limit {
		// The current window alone is full (cur never passes limit: only allowed requests
		// count). In the next window it becomes prev; wait for that much of it to fade.
		wait = size - elapsed + fadeOffset(limit, c.cur, size)
	} else {
		// The previous window's share is what does not fit; wait within this window.
		wait = fadeOffset(limit-c.cur, c.prev, size) - elapsed
	}
	// The exact wait exceeds the window by one tick only for a denial on the first tick of
	// a window; the contract (0 < RetryAfter ≤ Window) is worth that tick.
	return false, 0, min(wait, size)
}

// fadeOffset is the earliest elapsed time e in a window at which
// floor(prev × (size − e) / size) < budget, for prev ≥ budget ≥ 1: from then on budget more
// requests fit on top of the previous window's fading share.
func fadeOffset(budget, prev, size int64) int64 {
	// The largest remaining span x with prev × x < budget × size is
	// floor((budget × size − 1) / prev); e = size − x. 128-bit products, because
	// limit × window in nanoseconds passes 2⁶³ for large limits over long windows.
	hi, lo := bits.Mul64(uint64(budget), uint64(size))
	lo, borrow := bits.Sub64(lo, 1, 0)
	x, _ := bits.Div64(hi-borrow, lo, uint64(prev)) // x < size since prev ≥ budget
	return size - int64(x)
}

// mulDiv is floor(a × b / c) for 0 ≤ a, 0 ≤ b ≤ c, c > 0, without overflow.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c)) // q ≤ a since b ≤ c, so hi < c
	return int64(q)
}
