package actors

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// What an attempt in flight does when its activation stops under it (sender.stop: a snapshot
// out of step with the store, the node stopping past its drain deadline). Its outcome comes
// back as a local message, which a stopped grain drops; so its goroutine hands over itself:
//   - not yet at Meta: it does not go. The claim is put back (sending → queued), so the row
//     is sent by whichever activation comes next, rather than left sending — a row the next
//     activation found queued, and whose claim landed after it looked, would stay sending
//     for as long as that activation lives, neither sent nor reconciled.
//   - accepted by Meta: its conversation is told (as settle does), and the next activation
//     gets the wamid as evidence, so it settles the row as sent at once instead of waiting
//     out the reconciliation for it (and resending it if Meta's statuses are late). A
//     failure of Meta's own (131000 …) the activation was told of during the attempt goes
//     with the wamid (sender_late_failure.go): the next activation then decides the resend,
//     where the wamid alone settled the row sent and the message was not sent again.
//   - anything else (a refusal, an unknown outcome, a claim that cannot be put back): the
//     row stays sending, and the next activation — woken now, so its wait starts now —
//     reconciles it as after a crash.
//
// A process that dies cannot hand anything over: its rows wait for the next activation,
// which the engine's outbox keeper starts when the engine starts (OUTBOUND.md).

// handOverTimeout bounds a hand-over: the next activation may first have to load the tenant.
const handOverTimeout = 30 * time.Second

// handover is what an attempt's goroutine needs to hand its message over.
type handover struct {
	halted   *atomic.Bool // set by sender.stop
	node     *cluster.Node
	tenantID string
	d        *Deps
}

// handover returns the activation's hand-over, built on first use (every send carries it,
// and its fields do not change once the grain started: node is set at *actor.Started).
func (s *sender) handover() *handover {
	if s.ho == nil {
		s.ho = &handover{halted: &s.halted, node: s.node, tenantID: s.tenantID, d: s.d}
	}
	return s.ho
}

// stopped reports whether the attempt's activation stopped (never, without a handover).
func (h *handover) stopped() bool { return h != nil && h.halted.Load() }

// release puts back a claim its stopped activation will not send (or may have written: a
// claim whose answer was lost), and wakes the next activation. Only the claim as written
// (sameWrite): a row another activation moved on is left alone.
func (h *handover) release(claim persistence.OutboxMessage) {
	ctx, cancel := context.WithTimeout(context.Background(), handOverTimeout)
	defer cancel()
	ob := h.d.Store.Outbox()
	back := claim
	back.State, back.Attempts, back.UpdatedAt = persistence.OutboxQueued, max(0, claim.Attempts-1), time.Now().UTC()
	back.Claim = "" // queued: nobody's claim
	cur, err := ob.Get(ctx, claim.ID)
	if err == nil && cur.State == persistence.OutboxSending && sameWrite(cur, claim) {
		err = transition(ctx, ob, persistence.OutboxSending, back, false)
	}
	if err != nil {
		h.d.Log.Warn("claim of a stopped tenant not put back; the next activation reconciles it", "tenant", h.tenantID, "message", claim.ID, "err", err)
	}
	h.wake(nil)
}

// accepted hands a message Meta accepted to its conversation and to the next activation,
// with Meta's failure of the attempt offered to late meanwhile.
func (h *handover) accepted(claim persistence.OutboxMessage, acc Accepted, late *lateFailure) {
	ctx, cancel := context.WithTimeout(context.Background(), handOverTimeout)
	defer cancel()
	res := (&OutboundResult{MessageID: claim.ID, WAMID: acc.WAMID, WaID: acc.WaID, Status: StatusSent, At: time.Now().UTC()}).restoring(claim)
	_ = tellConversation(ctx, h.node, claim, res, h.d) // Meta's statuses carry our id and repair it too
	h.wake(handedOver(claim.ID, acc.WAMID, late))
}

// wake activates the tenant again with evidence, or (nil) just to resume its outbox.
func (h *handover) wake(evidence *OutboundEvidence) {
	if h.node == nil {
		return
	}
	var msg any = &WakeOutbound{}
	if evidence != nil {
		msg = evidence
	}
	ctx, cancel := context.WithTimeout(context.Background(), handOverTimeout)
	defer cancel()
	if _, err := h.node.Call(ctx, KindTenant, h.tenantID, msg); err != nil {
		h.d.Log.Warn("stopped tenant's send not handed over; the next activation reconciles it", "tenant", h.tenantID, "err", err)
	}
}
