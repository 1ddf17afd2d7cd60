package actors

import (
	"time"

	"github.com/switchboard/switchboard/internal/pairlimit"
)

// pairBucket is the pair rate limit of one (number, recipient), modelled as Meta's and
// fakemeta's (internal/pairlimit): a burst is borrowed, each message owing one interval, so
// after a burst the recipient waits until the debt is paid. A 131056 from Meta means its
// account disagrees with ours (clock skew, another sender on the number): the recipient
// then waits 4^X seconds, X counting consecutive refusals, and its burst window closes.
type pairBucket struct {
	debt         pairlimit.Debt
	blockedUntil time.Time
	strikes      int
}

// pairMargin is the sender's allowance for the time between its pair decision and the
// request's arrival at Meta, which counts a pair's messages as they arrive
// (pairlimit.Debt.Margin): the outbox write that claims the message (tens of milliseconds on
// a busy MongoDB), scheduling and the network vary from one message to the next. A twelfth of
// the interval, 500 ms at Meta's 6 s (the sustained pace to one customer is one message per
// 6.5 s), and never under minPairMargin, since that variation does not shrink with a shorter
// interval (OUTBOUND_PAIR_INTERVAL in tests) — unless the interval itself is shorter: a
// margin of one interval already leaves no burst window and halves the sustained pace (the
// benches lift the limit with a 10 ms interval, and a 250 ms margin would cap every customer
// at four messages a second).
func pairMargin(every time.Duration) time.Duration {
	return max(every/12, min(minPairMargin, every))
}

const minPairMargin = 250 * time.Millisecond

// newPairBucket is a recipient's bucket for a pair limit of one message per every, keeping
// the sender's margin for it.
func newPairBucket(every time.Duration) pairBucket {
	return pairBucket{debt: pairlimit.Debt{Margin: pairMargin(every)}}
}

// readyAt is when the recipient may receive its next message.
func (b *pairBucket) readyAt(now time.Time, every time.Duration, burst int) time.Time {
	if b.blockedUntil.After(now) {
		return b.blockedUntil
	}
	return b.debt.ReadyAt(now, every, burst)
}

// take spends one message if the recipient may receive one now.
func (b *pairBucket) take(now time.Time, every time.Duration, burst int) bool {
	return !b.blockedUntil.After(now) && b.debt.Take(now, every, burst)
}

// giveBack returns a message take spent on one that never went to Meta (it expired): its
// interval of debt is forgiven.
func (b *pairBucket) giveBack(every time.Duration) { b.debt.GiveBack(every) }

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
	b.debt.CloseWindow()
	b.blockedUntil = now.Add(d)
	return d
}

// accepted ends a run of refusals.
func (b *pairBucket) accepted() { b.strikes = 0 }

// idle reports whether the bucket is back to its initial state — debt paid, not blocked,
// no refusals — so it can be forgotten.
func (b *pairBucket) idle(now time.Time) bool {
	return b.debt.Paid(now) && !b.blockedUntil.After(now) && b.strikes == 0
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
