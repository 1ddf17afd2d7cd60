package actors

import (
	"fmt"
	"math"
	"time"
)

// A tenant's backlog — its messages accepted and not yet settled — is bounded like a
// Twilio sender's queue (error 21611): at most QueueWindow of sending at the number's rate
// (10 h; at Meta's default 80 msg/s, 2,880,000 messages). A send beyond it is refused at the
// API (429 queue_full) instead of joining a queue that would take longer than that to
// drain; its client retries later or slows down. The bound is checked against the store's
// count of pending rows, taken at activation and about once a minute after (rescan), plus
// the sends accepted since that count began. Settled sends are subtracted only by the next
// count, so near the bound the check errs on refusing; it never drifts further than one
// count interval from the store.

// backlog is the sender's bookkeeping of its backlog.
type backlog struct {
	counted  int // pending rows at the last count
	known    bool
	accepted int // sends accepted by this activation, ever
	since    int // accepted when the last count began
}

// QueueFullRetry is the Retry-After of a refusal: the next count, about a minute away, may
// find room.
const QueueFullRetry = time.Minute

// backlogLimit is how many pending messages the tenant may hold (0: unbounded).
func (s *sender) backlogLimit() int {
	n := s.pol.QueueWindow.Seconds() * float64(s.rate())
	if n <= 0 || n >= math.MaxInt32 {
		return 0
	}
	return int(n)
}

// backlogFull reports why a new send is refused, or "" when it may join the queue.
func (s *sender) backlogFull() string {
	limit := s.backlogLimit()
	if limit == 0 || !s.bl.known {
		return ""
	}
	held := s.held()
	if held < limit {
		return ""
	}
	return fmt.Sprintf("the number's queue holds %d messages, %s of sending at its %d messages/s; retry later or send more slowly",
		held, s.pol.QueueWindow, s.rate())
}

// held is the backlog: pending rows at the last count, plus the sends accepted since it began.
func (s *sender) held() int { return s.bl.counted + s.bl.accepted - s.bl.since }

// acceptedOne counts a send the tenant accepted.
func (s *sender) acceptedOne() { s.bl.accepted++ }

// countStarted marks the start of a count, whose result (counted) replaces the backlog.
func (s *sender) countStarted() int { return s.bl.accepted }

// counted applies a count of pending rows begun when accepted was at from. Sends accepted
// while it ran may be in it or not: they are kept on top, erring on the side of refusing.
func (s *sender) counted(n, from int) {
	s.bl.counted, s.bl.since, s.bl.known = n, from, true
}
