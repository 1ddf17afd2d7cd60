package actors

import (
	"slices"

	"github.com/switchboard/switchboard/persistence"
)

// Meta may fail an attempt with its own trouble (131000 …) and then report it delivered or
// read after all: a delivery outranks a failure (statusRank), so the customer has the
// message, and a resend (sender_resend.go) must not leave. One mechanism covers every order,
// each delivery met at one point only:
//   - before the resend decision looks (in the failure's own webhook, while the decision
//     waited, across a restart of either grain): the decision asks the conversation, which
//     holds every status by rank (conversationShowsDelivered), and queues nothing;
//   - after that look, while the decision writes: remembered with the decision (resends),
//     which withdraws the resend as soon as it holds it (withdrawnAfterDecision), or, when
//     its write failed, makes none;
//   - while the failure waits to be looked at again (resendWaits: among others, because
//     the conversation did not answer the decision's question): the wait ends, and no look
//     asks the conversation again (it tells of a delivery once);
//   - after the decision, while the resend waits in its lane (its backoff, its turn):
//     withdrawn at once.
// Withdrawn means the outbox row goes from queued back to sent with the delivered attempt's
// wamid, and the conversation is told the attempt is reinstated (OutboundResult.Reinstated),
// so it is never sent. One already on its way to Meta, or sent, cannot be called back: the
// customer may get the message twice, and the sender says so in its log.

// deliveredAfterAll handles the conversation's word that Meta delivered m.WAMID after
// failing it. A failure of that attempt waiting to be looked at again (resendWaits: its
// outcome was still being written, the store failed, or the conversation did not answer)
// is dropped: the conversation tells of a delivery once, and the look to come would have
// to ask it again, which a conversation that cannot answer would put off. Without a
// resend held, being decided or waiting there is nothing to do: a decision still to come
// asks the conversation, which applied the delivery before it told us.
func (s *sender) deliveredAfterAll(m *OutboundEvidence) {
	if m.MessageID == "" || !s.enabled() || s.stopped {
		return
	}
	if it := s.items[m.MessageID]; it != nil {
		if slices.Contains(it.row.Retracted, m.WAMID) {
			s.withdrawResend(it, m.WAMID)
			return
		}
		it.late.withdraw(m.WAMID) // its outcome being written: no failure to mark with it
	}
	if _, deciding := s.resends[m.MessageID]; deciding {
		s.resends[m.MessageID] = m.WAMID
	}
	for ev := range s.resendWaits {
		if ev.MessageID == m.MessageID && ev.WAMID == m.WAMID {
			delete(s.resendWaits, ev) // its resendCheck, when due, finds nothing to do
			s.notSentAgain(ev)
		}
	}
}

// notSentAgain ends the resend of a failure Meta delivered as well, ev: the message is not
// sent again. A row this activation holds still waiting for its outcome takes ev as plain
// evidence that the attempt reached Meta. Any other is settled by a decision that knows of
// the delivery (ev.Delivered: it asks the conversation nothing) and, as every decision,
// writes until it lands: the row may be marked retryable for this failure (sender_resend.go),
// and plain evidence, written once, would leave it so until the next activation.
func (s *sender) notSentAgain(ev *OutboundEvidence) {
	s.d.Log.Info("Meta delivered a message after failing it; not sending it again", "tenant", s.tenantID,
		"message", ev.MessageID, "wamid", ev.WAMID)
	if _, held := s.items[ev.MessageID]; held {
		s.evidence(&OutboundEvidence{MessageID: ev.MessageID, WAMID: ev.WAMID})
		return
	}
	known := *ev
	known.Delivered = true
	s.resendFailed(&known, 0)
}

// withdrawnAfterDecision withdraws the resend just queued for row when Meta's delivery of
// a failed attempt, delivered, came while it was decided, and reports whether it did. The
// conversation reports deliveries of attempts the row retracts only: the one just failed,
// or an earlier one.
func (s *sender) withdrawnAfterDecision(row persistence.OutboxMessage, delivered string) bool {
	if delivered == "" || !slices.Contains(row.Retracted, delivered) {
		return false
	}
	it := s.items[row.ID]
	return it != nil && s.withdrawResend(it, delivered)
}

// reinstated is retracted without wamid, an attempt Meta delivered after all (a new slice:
// the row's is shared with the copy the outbox holds).
func reinstated(retracted []string, wamid string) []string {
	return slices.DeleteFunc(slices.Clone(retracted), func(w string) bool { return w == wamid })
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
	row.Retracted = reinstated(row.Retracted, wamid)
	keepError(&row, nil)
	s.d.Log.Info("Meta delivered a message after failing it; its resend withdrawn", "tenant", s.tenantID,
		"message", row.ID, "wamid", wamid)
	s.settle(it, row, &OutboundResult{MessageID: row.ID, WAMID: wamid, Status: StatusSent, At: now, Reinstated: wamid})
	return true
}
