package fakemeta

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/phone"
)

// Scope narrows an injection to the sends to one recipient (To); the package doc tells how
// injections are taken.
type Scope struct{ recipient string }

// To scopes an injection to sends to recipient, as a send names it: a phone number (with or
// without +: its digits, including the country code, are the wa_id Meta reports) or a
// business-scoped user id (a send's "recipient"). A Brazilian or Mexican mobile matches
// sends to either of its shapes (sameUser).
func To(recipient string) Scope { return Scope{recipient: scopeKey(recipient)} }

// scopeKey is recipient as recipientOf keys a send to it: a phone number's digits, a user id
// as it is.
func scopeKey(recipient string) string {
	r := strings.TrimPrefix(strings.TrimSpace(recipient), "+")
	if d := phone.Digits(r); d != "" && len(d) == len(strings.Map(dropSeparator, r)) {
		return d
	}
	return recipient
}

// dropSeparator drops the separators people write phone numbers with.
func dropSeparator(r rune) rune {
	if strings.ContainsRune(" -().", r) {
		return -1
	}
	return r
}

// injections are faults queued for the sends of one number, or of one number to one
// recipient; n.mu guards them.
type injections struct {
	sync  []int           // codes the next sends fail with, synchronously
	async []int           // codes the next sends fail with, by status webhook after a 200
	lost  []int           // next sends accepted whose answer is lost: 0 closes the connection, else a proxy's HTTP status
	read  []int           // codes the next read receipts (mark as read) fail with
	late  []time.Duration // extra delay of the next sends' status webhooks
	// to holds the faults scoped to a recipient (To), by scopeKey; number-wide only.
	to map[string]*injections
}

// FailNext makes the number's next count sends fail synchronously with code (after
// validation, before the limits), e.g. 131000, 131048, 368, 131042. To(recipient) scopes it.
func (s *Server) FailNext(phoneNumberID string, code, count int, scope ...Scope) {
	s.inject(phoneNumberID, scope, func(in *injections) { enqueue(&in.sync, code, count) })
}

// FailNextAsync makes the number's next count sends be accepted (200, wamid) and then
// fail by status webhook with code, e.g. 131026 undeliverable, 131049, 131050.
// To(recipient) scopes it.
func (s *Server) FailNextAsync(phoneNumberID string, code, count int, scope ...Scope) {
	s.inject(phoneNumberID, scope, func(in *injections) { enqueue(&in.async, code, count) })
}

// FailNextReadReceipts makes the number's next count read receipts (mark as read) fail
// with code, e.g. 131000 or 130429, as Meta answers them when it is in trouble.
func (s *Server) FailNextReadReceipts(phoneNumberID string, code, count int) {
	s.inject(phoneNumberID, nil, func(in *injections) { enqueue(&in.read, code, count) })
}

// DropNextResponses makes the number's next count sends be accepted — logged, statuses
// posted — but their connection closed without an answer: the "maybe sent" case a client
// must reconcile instead of resending. To(recipient) scopes it.
func (s *Server) DropNextResponses(phoneNumberID string, count int, scope ...Scope) {
	s.GatewayErrorNextResponses(phoneNumberID, 0, count, scope...)
}

// GatewayErrorNextResponses makes the number's next count sends be accepted — logged,
// statuses posted — but answered with status (502, 504, …) and an HTML page instead of
// Meta's answer, as a proxy or load balancer does when the trip back breaks: the same
// "maybe sent" case, in the shape of an error. Status 0 closes the connection instead.
// To(recipient) scopes it.
func (s *Server) GatewayErrorNextResponses(phoneNumberID string, status, count int, scope ...Scope) {
	s.inject(phoneNumberID, scope, func(in *injections) { enqueue(&in.lost, status, count) })
}

// DelayNextStatuses posts the status webhooks of the number's next count accepted sends by
// later than configured, as Meta's webhook delivery sometimes lags: a client that resends
// whatever it has no status for yet, after its own short backoff, is caught sending twice.
// To(recipient) scopes it.
func (s *Server) DelayNextStatuses(phoneNumberID string, by time.Duration, count int, scope ...Scope) {
	s.inject(phoneNumberID, scope, func(in *injections) { enqueue(&in.late, by, count) })
}

// inject queues faults with add on the number's injections, or on those scoped to the
// recipient of scope (at most one counts: the last).
func (s *Server) inject(phoneNumberID string, scope []Scope, add func(*injections)) {
	s.withNumber(phoneNumberID, func(n *number) {
		in := &n.inject
		if len(scope) > 0 {
			key := scope[len(scope)-1].recipient
			if in.to == nil {
				in.to = map[string]*injections{}
			}
			if in.to[key] == nil {
				in.to[key] = &injections{}
			}
			in = in.to[key]
		}
		add(in)
	})
}

// take dequeues the oldest fault of the kind q selects for a send to key: one scoped to the
// recipient (either shape of its number) first, else a number-wide one. n.mu is held.
func take[T any](n *number, key string, q func(*injections) *[]T) (T, bool) {
	if len(n.inject.to) > 0 {
		for _, k := range sameUser(key) {
			if in := n.inject.to[k]; in != nil {
				if fault, ok := dequeue(q(in)); ok {
					return fault, true
				}
			}
		}
	}
	return dequeue(q(&n.inject))
}

// The queues take selects.
func syncQ(in *injections) *[]int           { return &in.sync }
func asyncQ(in *injections) *[]int          { return &in.async }
func lostQ(in *injections) *[]int           { return &in.lost }
func lateQ(in *injections) *[]time.Duration { return &in.late }

// injectedSync is the code a send to key must fail with: a queued one, else one drawn with
// Config.ErrorRate; 0 for none.
func (s *Server) injectedSync(n *number, key string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if code, ok := take(n, key, syncQ); ok {
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

func (s *Server) withNumber(id string, f func(*number)) {
	if n := s.number(id); n != nil {
		n.mu.Lock()
		f(n)
		n.mu.Unlock()
	}
}
