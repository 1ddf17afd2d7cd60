package fakemeta

import (
	"math/rand/v2"
	"time"
)

// injections are the faults queued for one number; n.mu guards them.
type injections struct {
	sync  []int           // codes the next sends fail with, synchronously
	async []int           // codes the next sends fail with, by status webhook after a 200
	lost  []int           // next sends accepted whose answer is lost: 0 closes the connection, else a proxy's HTTP status
	read  []int           // codes the next read receipts (mark as read) fail with
	late  []time.Duration // extra delay of the next sends' status webhooks
}

// FailNext makes the number's next count sends fail synchronously with code (after
// validation, before the limits), e.g. 131000, 131048, 368, 131042.
func (s *Server) FailNext(phoneNumberID string, code, count int) {
	s.withNumber(phoneNumberID, func(n *number) {
		enqueue(&n.inject.sync, code, count)
	})
}

// FailNextAsync makes the number's next count sends be accepted (200, wamid) and then
// fail by status webhook with code, e.g. 131026 undeliverable, 131049, 131050.
func (s *Server) FailNextAsync(phoneNumberID string, code, count int) {
	s.withNumber(phoneNumberID, func(n *number) {
		enqueue(&n.inject.async, code, count)
	})
}

// FailNextReadReceipts makes the number's next count read receipts (mark as read) fail
// with code, e.g. 131000 or 130429, as Meta answers them when it is in trouble.
func (s *Server) FailNextReadReceipts(phoneNumberID string, code, count int) {
	s.withNumber(phoneNumberID, func(n *number) {
		enqueue(&n.inject.read, code, count)
	})
}

// DropNextResponses makes the number's next count sends be accepted — logged, statuses
// posted — but their connection closed without an answer: the "maybe sent" case a client
// must reconcile instead of resending.
func (s *Server) DropNextResponses(phoneNumberID string, count int) {
	s.GatewayErrorNextResponses(phoneNumberID, 0, count)
}

// GatewayErrorNextResponses makes the number's next count sends be accepted — logged,
// statuses posted — but answered with status (502, 504, …) and an HTML page instead of
// Meta's answer, as a proxy or load balancer does when the trip back breaks: the same
// "maybe sent" case, in the shape of an error. Status 0 closes the connection instead.
func (s *Server) GatewayErrorNextResponses(phoneNumberID string, status, count int) {
	s.withNumber(phoneNumberID, func(n *number) {
		enqueue(&n.inject.lost, status, count)
	})
}

// DelayNextStatuses posts the status webhooks of the number's next count accepted sends by
// later than configured, as Meta's webhook delivery sometimes lags: a client that resends
// whatever it has no status for yet, after its own short backoff, is caught sending twice.
func (s *Server) DelayNextStatuses(phoneNumberID string, by time.Duration, count int) {
	s.withNumber(phoneNumberID, func(n *number) {
		enqueue(&n.inject.late, by, count)
	})
}

func (s *Server) withNumber(id string, f func(*number)) {
	if n := s.number(id); n != nil {
		n.mu.Lock()
		f(n)
		n.mu.Unlock()
	}
}

// injectedSync is the code a send must fail with: a queued one, else one drawn with
// Config.ErrorRate; 0 for none.
func (s *Server) injectedSync(n *number) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if code, ok := dequeue(&n.inject.sync); ok {
		return code
	}
	if chance(s.cfg.ErrorRate) {
		return s.cfg.ErrorCodes[rand.IntN(len(s.cfg.ErrorCodes))]
	}
	return 0
}

// enqueue appends count copies of fault to q; n.mu is held.
func enqueue[T any](q *[]T, fault T, count int) {
	for range count {
		*q = append(*q, fault)
	}
}

// dequeue takes the oldest fault queued in q, if any; n.mu is held.
func dequeue[T any](q *[]T) (fault T, ok bool) {
	if len(*q) == 0 {
		return fault, false
	}
	fault, *q = (*q)[0], (*q)[1:]
	return fault, true
}
