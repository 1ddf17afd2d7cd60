package actors

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Meta may fail an attempt with its own trouble (a failed status webhook, 131000 …) before
// the sender has written that attempt's outcome: the status beat the send's answer, or the
// outbox is slow to take the outcome. The resend decision waits for the outcome
// (sender_resend.go), but the failure must not wait in memory only: a stop between the
// outcome and the decision left the row sent, with nobody to send the message again. So the
// goroutine that writes the outcome writes the failure with it: a failure it knows of before
// a try of its write goes into that write (the outcome written retryable, the decision's own
// mark, in one write: withLateFailure); one that comes while the write is on its way is
// written right after it (sent → retryable). Either way before it reports the outcome to the
// grain; the grain then decides at once (resendBehindOutcome), and a stop or a lost report
// leaves the row retryable for the next activation or the keeper (sender_redecide.go). Only
// the second kind leaves a window: a crash between the outcome's write and the mark leaves
// the row sent (OUTBOUND.md, "What is still lost").
//
// An attempt whose activation stopped under it hands Meta's acceptance to the next
// activation itself (sender_handover.go), and the failure offered meanwhile with it: as plain
// evidence alone, the acceptance settled the row sent at once.

// lateFailure hands a failure from the grain to the goroutine writing the attempt's outcome.
// Exactly one side acts on it: the goroutine writes it with the outcome (known before a try)
// or after it, and takes it once the outcome landed, after which the grain's offers fail
// and its decision writes the mark itself.
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

// known is the failure of attempt wamid offered to l and not taken yet.
func (l *lateFailure) known(wamid string) *OutboundEvidence {
	if ev := l.p.Load(); ev != nil && ev != lateTaken && ev.WAMID == wamid && ev.Retry != nil {
		return ev
	}
	return nil
}

// withLateFailure is the outcome row to write, with Meta's failure of its attempt offered to
// late folded in: a sent row becomes retryable with Meta's error, as the decision marks it,
// in the outcome's one write. It returns the failure it folded in, if any.
func withLateFailure(row persistence.OutboxMessage, late *lateFailure, now time.Time) (persistence.OutboxMessage, *OutboundEvidence) {
	if row.State != persistence.OutboxSent {
		return row, nil
	}
	ev := late.known(row.WAMID)
	if ev == nil {
		return row, nil
	}
	return retryableOn(row, ev, now), ev
}

// markLate closes late once the outcome row landed, and writes the failure offered to it
// meanwhile: the row, sent, becomes retryable with Meta's error, as the decision marks it.
// folded: the failure the outcome's own write carried already (withLateFailure), which
// needs no second write. Not for an outcome other than sent, nor another attempt's failure
// (the decision sorts those out). A write that fails is left to the decision, which marks
// the row before it asks anything. It returns the failure written, if any.
func markLate(ctx context.Context, ob persistence.Outbox, late *lateFailure, row persistence.OutboxMessage, folded *OutboundEvidence, d *Deps) *OutboundEvidence {
	if folded != nil {
		late.take()
		return folded
	}
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

// handedOver is the evidence an attempt Meta accepted as wamid, whose activation stopped,
// hands the next one: the wamid, and Meta's failure of that attempt offered to late
// meanwhile, so the next activation decides the resend rather than settle the row sent.
func handedOver(id, wamid string, late *lateFailure) *OutboundEvidence {
	ev := &OutboundEvidence{MessageID: id, WAMID: wamid}
	if f := late.take(); f != nil && f.WAMID == wamid && f.Retry != nil {
		ev.Retry = f.Retry
	}
	return ev
}
