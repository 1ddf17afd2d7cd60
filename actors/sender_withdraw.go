package actors

import (
	"slices"

	"github.com/switchboard/switchboard/persistence"
)

// Meta may fail an attempt with its own trouble (131000 …) and then report it delivered or
// read after all: a delivery outranks a failure (statusRank), so the customer has the
// message. The engine may have decided to send it again meanwhile (sender_resend.go). While
// that resend has not left — it waits its backoff, or its turn, in its lane — it is
// withdrawn: the outbox row goes from queued back to sent with the delivered attempt's wamid,
// and the conversation is told the attempt is reinstated (OutboundResult.Reinstated), so it
// is never sent. One already on its way to Meta, or sent, cannot be called back: the
// customer may get the message twice, and the sender says so in its log.

// maxLateDeliveries bounds the deliveries remembered for resends not decided yet: each is
// a rare event (Meta failing and then delivering one attempt), and a decision consumes it.
const maxLateDeliveries = 1024

// deliveredAfterAll handles the conversation's word that Meta delivered m.WAMID after
// failing it: a resend held in its lane is withdrawn; one being decided, or not decided yet
// (the failure's evidence comes by another path and may arrive later), is remembered, and
// the decision withdraws it or does not make it.
func (s *sender) deliveredAfterAll(m *OutboundEvidence) {
	if m.MessageID == "" || !s.enabled() || s.stopped {
		return
	}
	if it := s.items[m.MessageID]; it != nil && slices.Contains(it.row.Retracted, m.WAMID) {
		s.withdrawResend(it, m.WAMID)
		return
	}
	if s.lateDelivered == nil {
		s.lateDelivered = map[string]string{}
	}
	if len(s.lateDelivered) >= maxLateDeliveries {
		for id := range s.lateDelivered {
			delete(s.lateDelivered, id) // the oldest is as good as any: all are rare
			break
		}
	}
	s.lateDelivered[m.MessageID] = m.WAMID
}

// deliveredBefore reports whether Meta delivered ev's attempt after failing it, before the
// resend was decided, and forgets it: the message is not sent again, and ev counts as
// plain evidence that the attempt reached Meta (it settles a row of unknown fate).
func (s *sender) deliveredBefore(ev *OutboundEvidence) bool {
	if w, ok := s.lateDelivered[ev.MessageID]; !ok || w != ev.WAMID {
		return false
	}
	delete(s.lateDelivered, ev.MessageID)
	s.d.Log.Info("Meta delivered a message after failing it; not sending it again", "tenant", s.tenantID,
		"message", ev.MessageID, "wamid", ev.WAMID)
	s.evidence(&OutboundEvidence{MessageID: ev.MessageID, WAMID: ev.WAMID})
	return true
}

// withdrawnAfterDecision withdraws the resend just queued for row when Meta's delivery of
// the failed attempt came while it was decided, and reports whether it did.
func (s *sender) withdrawnAfterDecision(row persistence.OutboxMessage) bool {
	w, ok := s.lateDelivered[row.ID]
	if !ok || !slices.Contains(row.Retracted, w) {
		return false
	}
	delete(s.lateDelivered, row.ID)
	if it := s.items[row.ID]; it != nil {
		return s.withdrawResend(it, w)
	}
	return false
}

// withdrawResend puts a resend still waiting in its lane back to the attempt Meta
// delivered, wamid: the row queued → sent, wamid no longer retracted, the conversation told
// first. It reports whether it could (false: the resend is on its way or gone).
func (s *sender) withdrawResend(it *outItem, wamid string) bool {
	now := s.d.Now()
	if it.phase != phaseQueued || !s.number(it.row.PhoneNumberID).q.take(it, now) {
		s.d.Log.Warn("Meta delivered a message after failing it, and it was already sent again: the customer may have it twice",
			"tenant", s.tenantID, "message", it.row.ID, "wamid", wamid)
		return false
	}
	row := it.row
	row.State, row.WAMID, row.UpdatedAt = persistence.OutboxSent, wamid, now
	row.Retracted = slices.DeleteFunc(slices.Clone(row.Retracted), func(w string) bool { return w == wamid })
	row.ErrorCode, row.ErrorTitle, row.ErrorDetails = 0, "", ""
	s.d.Log.Info("Meta delivered a message after failing it; its resend withdrawn", "tenant", s.tenantID,
		"message", row.ID, "wamid", wamid)
	s.settle(it, row, &OutboundResult{MessageID: row.ID, WAMID: wamid, Status: StatusSent, At: now, Reinstated: wamid})
	return true
}
