package rest

import (
	"fmt"
	"time"

	"github.com/switchboard/switchboard/transport/httpx"
)

// maxValidFor is the longest validFor a send may ask for: the bound of OUTBOUND_VALIDITY's
// own range. The sender applies whichever of the two ends first.
const maxValidFor = 7 * 24 * 60 * 60

// sendOptions is what every send accepts beside its message.
type sendOptions struct {
	// ValidFor is how many seconds after its acceptance the message may still go out; one
	// still queued then (a pause, a deep backlog) fails as expired instead of arriving late —
	// a one-time code, say. Twilio's ValidityPeriod. Unset: OUTBOUND_VALIDITY (10 h).
	ValidFor *int `json:"validFor"`
}

func (o sendOptions) details() []httpx.Detail {
	if o.ValidFor != nil && (*o.ValidFor < 1 || *o.ValidFor > maxValidFor) {
		return []httpx.Detail{{Field: "validFor", Message: fmt.Sprintf("must be 1..%d seconds", maxValidFor)}}
	}
	return nil
}

// expiresAt is the outbox row's ExpiresAt for a message accepted at now (zero: none of its own).
func (o sendOptions) expiresAt(now time.Time) time.Time {
	if o.ValidFor == nil {
		return time.Time{}
	}
	return now.Add(time.Duration(*o.ValidFor) * time.Second)
}
