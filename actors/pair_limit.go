package actors

import "time"

// pairBucket is the pair rate limit of one (number, recipient), modelled like Meta's: a
// bucket holding up to burst messages, refilled one per interval. A 131056 from Meta means
// its bucket disagrees with ours (clock skew, another sender on the number): the recipient
// then waits 4^X seconds, X counting consecutive refusals, and the bucket is emptied.
type pairBucket struct {
	tokens       float64
	at           time.Time // last refill; zero = never used (full)
	blockedUntil time.Time
	strikes      int
}

func (b *pairBucket) refill(now time.Time, every time.Duration, burst int) {
	if b.at.IsZero() {
		b.tokens, b.at = float64(burst), now
		return
	}
	if now.After(b.at) {
		b.tokens = min(float64(burst), b.tokens+float64(now.Sub(b.at))/float64(every))
		b.at = now
	}
}

// readyAt is when the recipient may receive its next message.
func (b *pairBucket) readyAt(now time.Time, every time.Duration, burst int) time.Time {
	if b.blockedUntil.After(now) {
		return b.blockedUntil
	}
	b.refill(now, every, burst)
	if b.tokens >= 1 {
		return now
	}
	return now.Add(time.Duration((1 - b.tokens) * float64(every)))
}

// take spends one message if the recipient may receive one now.
func (b *pairBucket) take(now time.Time, every time.Duration, burst int) bool {
	if b.readyAt(now, every, burst).After(now) {
		return false
	}
	b.tokens--
	return true
}

// giveBack returns a message take spent on one that never went to Meta (it expired).
func (b *pairBucket) giveBack(burst int) {
	b.tokens = min(float64(burst), b.tokens+1)
}

// refused records a 131056 at now and returns how long the recipient waits: wait(X) for
// X prior consecutive refusals, 4^X seconds when wait is nil.
func (b *pairBucket) refused(now time.Time, wait func(attempt int) time.Duration) time.Duration {
	d := time.Duration(0)
	if wait != nil {
		d = wait(b.strikes)
	}
	if d <= 0 {
		d = pow4Seconds(b.strikes)
	}
	b.strikes++
	b.tokens, b.at = 0, now
	b.blockedUntil = now.Add(d)
	return d
}

// accepted ends a run of refusals.
func (b *pairBucket) accepted() { b.strikes = 0 }

// idle reports whether the bucket is back to its initial state, so it can be forgotten.
func (b *pairBucket) idle(now time.Time, every time.Duration, burst int) bool {
	if b.at.IsZero() {
		return true
	}
	return !b.blockedUntil.After(now) && b.strikes == 0 &&
		b.tokens+float64(now.Sub(b.at))/float64(every) >= float64(burst)
}

// pow4Seconds is Meta's pair-limit schedule, 4^attempt seconds, capped at 1,024 s.
func pow4Seconds(attempt int) time.Duration {
	d := time.Second
	for range attempt {
		if d *= 4; d >= 1024*time.Second {
			return 1024 * time.Second
		}
	}
	return d
}
