package actors

import "time"

// Meta's rate limits above a number's: the WABA's (80007, for all its numbers) and the app's
// (4, for every call the app makes). A tenant has one WABA (its directory entry), so either
// holds every number the tenant sends from — its number, and one it had before whose rows
// are still queued — not only the one whose send met the refusal: the others would meet
// the same refusal, and every refused call counts against the limit again.
//
// Not held: another tenant's numbers on the same WABA (or, for 4, any other tenant). That
// takes a hold shared between tenant grains that may live on different members of the
// cluster — a lookup on every send's hot path, in Redis or across the cluster — for a case
// the data model does not make (one WABA per tenant); each of those tenants learns the
// limit from its own first refusal, one refused call each.
const (
	metaAppRateLimit  = 4
	metaWABARateLimit = 80007
)

// holdNumbers holds nq until until, after Meta could take no message from it; for a WABA's
// or the app's limit, every number of the tenant, including one whose queue comes later.
func (s *sender) holdNumbers(nq *numberQueue, code int, until time.Time) {
	if code != metaAppRateLimit && code != metaWABARateLimit {
		nq.pace.hold(until)
		return
	}
	s.accountHeld = later(s.accountHeld, until)
	for _, other := range s.numbers {
		other.pace.hold(until)
	}
}
