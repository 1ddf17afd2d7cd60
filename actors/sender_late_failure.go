package actors

import (
	"context"
	"sync/atomic"

	"github.com/switchboard/switchboard/persistence"
)

// Meta may fail an attempt with its own trouble (a failed status webhook, 131000 …) before
// the sender has written that attempt's outcome: the status beat the send's answer, or the
// outbox is slow to take the outcome. The resend decision waits for the outcome
// (sender_resend.go), but the failure must not wait in memory only: a stop between the
// outcome and the decision left the row sent, with nobody to send the message again. So the
// goroutine that writes the outcome writes the failure right after it (sent → retryable,
// the decision's own mark), before it reports the outcome to the grain; the grain then
// decides at once (resendBehindOutcome), and a stop or a lost report leaves the row
// retryable for the next activation or the keeper (sender_redecide.go).

// lateFailure hands a failure from the grain to the goroutine writing the attempt's outcome.
// Exactly one side acts on it: the goroutine takes it once the outcome landed sent, after
// which the grain's offers fail and its decision writes the mark itself.
type lateFailure struct {
	p atomic.Pointer[OutboundEvidence]
}

// lateTaken closes a lateFailure once the outcome it waited for landed.
var lateTaken = &OutboundEvidence{}

// offer gives ev to the outcome's writer, unless the outcome landed already (the grain's
// decision then writes the mark itself).
func (l *lateFailure) offer(ev *OutboundEvidence) {
	l.p.CompareAndSwap(nil, ev)
}

// withdraw takes back the offer of attempt wamid's failure, not yet taken: Meta delivered
// the attempt as well (deliveredAfterAll), so there is nothing to mark.
func (l *lateFailure) withdraw(wamid string) {
	if ev := l.p.Load(); ev != nil && ev != lateTaken && ev.WAMID == wamid {
		l.p.CompareAndSwap(ev, nil)
	}
}

// take closes l and returns the failure offered, if any.
func (l *lateFailure) take() *OutboundEvidence {
	if ev := l.p.Swap(lateTaken); ev != lateTaken {
		return ev
	}
	return nil
}

// markLate writes the failure offered to late to row, whose outcome (sent) just landed: the
// row becomes retryable with Meta's error, as the decision marks it. Not for an outcome
// other than sent, nor another attempt's failure (the decision sorts those out). A write
// that fails is left to the decision, which marks the row before it asks anything. It
// returns the failure it wrote, if any.
func markLate(ctx context.Context, ob persistence.Outbox, late *lateFailure, row persistence.OutboxMessage, d *Deps) *OutboundEvidence {
	if row.State != persistence.OutboxSent {
		return nil
	}
	ev := late.take()
	if ev == nil || ev.WAMID != row.WAMID || ev.Retry == nil {
		return nil
	}
	if err := transition(ctx, ob, persistence.OutboxSent, retryableOn(row, ev, d.Now()), false); err != nil {
		d.Log.Warn("Meta's failure of a message not written with its outcome; the decision writes it", "message", row.ID, "err", err)
		return nil
	}
	return ev
}
