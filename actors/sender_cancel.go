package actors

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// Canceling a queued message (POST /messages/:conversationId/:messageId/cancel), as Twilio
// cancels a message it has not sent yet. Only a message still queued can be canceled — one
// waiting for its pacing slot, its customer's pair limit, a retry's backoff or the end of a
// pause. One on its way to Meta, one whose fate is unknown (it may have reached Meta) and a
// settled one cannot. The outbox's conditional write queued → canceled decides: of a cancel
// and a claim, exactly one lands, so a canceled message is never sent. Meta's statuses
// still win over a cancel (a message reconciliation judged unsent may have reached Meta
// after all): the outbox and the conversation then show what the customer has.

// CancelOutbound asks a tenant to cancel one of its queued messages. The answer is Canceled
// once the canceled row is durable and the conversation told, or a Failure:
// FailureNotCancelable (the message is past queued; the message says where), FailureNotFound
// (no such message in that conversation), FailureStore.
type CancelOutbound struct {
	MessageID      string `json:"messageId"`
	ConversationID string `json:"conversationId"`
	// By is the user canceling: the conversation's record names them (Message.CanceledBy).
	By *MessageAuthor `json:"by,omitempty"`
}

// Canceled answers CancelOutbound with the outbox row as canceled.
type Canceled struct {
	Message persistence.OutboxMessage `json:"message"`
	// By is the canceller, when this answer is of the cancel that took effect; nil on a
	// repeat of a cancel that had (the row does not keep who: the conversation's record
	// does, and keeps the first).
	By *MessageAuthor `json:"by,omitempty"`
}

// FailureNotCancelable: the message is no longer queued (CancelOutbound).
const FailureNotCancelable = "not_cancelable"

// cancelDone is a cancel's write coming back to the grain.
type cancelDone struct {
	id    string
	row   persistence.OutboxMessage // as canceled, when err is nil
	err   error
	reply cluster.Replier
	// already: the row was canceled before this cancel (a retry of one that succeeded).
	already bool
	// by is the canceller this cancel told the conversation of (nil when already).
	by *MessageAuthor
}

// tooLate is the refusal of a cancel, saying where the message is: the same error the
// Client returns to the caller (Reason travels as the Failure's message).
func tooLate(where string) *NotCancelableError {
	return &NotCancelableError{Reason: "the message is " + where}
}

// storedTooLate is the refusal of a cancel of a row in state, as the API shows that state.
func storedTooLate(state persistence.OutboxState) *NotCancelableError {
	return tooLate(string(shownState(state)))
}

// cancel starts canceling a message; r is answered by canceled.
func (s *sender) cancel(m *CancelOutbound, r cluster.Replier) {
	if it := s.items[m.MessageID]; it != nil {
		if it.row.TenantID != s.tenantID || it.row.ConversationID != m.ConversationID {
			r.Fail(FailureNotFound, "no message "+m.MessageID+" in conversation "+m.ConversationID)
			return
		}
		if it.phase == phaseCanceling {
			s.cancelRepeats[m.MessageID] = append(s.cancelRepeats[m.MessageID], r)
			return
		}
		if it.phase != phaseQueued || !s.number(it.row.PhoneNumberID).q.take(it, s.d.Now()) {
			r.Fail(FailureNotCancelable, tooLate(phaseWords(it.phase)).Reason)
			return
		}
		// Out of its lane, so no dispatch claims it while the cancel is written.
		it.phase = phaseCanceling
		s.writeCancel(it.row, true, m.By, r)
		return
	}
	if conv, ok := s.canceling[m.MessageID]; ok {
		if conv != m.ConversationID {
			r.Fail(FailureNotCancelable, tooLate("being canceled").Reason)
			return
		}
		// A repeat (the client gave up waiting for the first): the first one's outcome is
		// its answer. Refusing it "being canceled" told the client its cancel failed, and
		// then the write landed.
		s.cancelRepeats[m.MessageID] = append(s.cancelRepeats[m.MessageID], r)
		return
	}
	// Not held: beyond the queue in memory, settled, or unknown. The store decides; until
	// it has, a rescan must not load the row (track).
	s.canceling[m.MessageID] = m.ConversationID
	s.writeCancel(persistence.OutboxMessage{ID: m.MessageID, TenantID: s.tenantID, ConversationID: m.ConversationID}, false, m.By, r)
}

// phaseWords says where a held message is, for a refused cancel: sending or settling, or
// queued but no longer waiting in its lane, is on its way to Meta.
func phaseWords(p itemPhase) string {
	switch p {
	case phaseUnknown:
		return "of unknown fate (it may have reached Meta; the engine is reconciling it)"
	case phaseCanceling:
		return "being canceled"
	}
	return "on its way to Meta"
}

// writeCancel tells the conversation, then writes row (read first unless held) as
// canceled. The conversation first, as every outcome: a crash between the two leaves the
// row queued, to be sent after the restart, and the send's outcome (sent) supersedes the
// conversation's canceled; the other order could leave a canceled row whose conversation
// says queued forever. A cancel that loses to a claim is corrected the same way.
//
// A row canceled already is this cancel's own success, answered as such: the client's
// retry of a cancel whose answer it never got (the activation stopped while the write was
// in flight, or its connection dropped). Refusing it "the message is canceled" told the
// client its cancel had failed. Twilio's and Stripe's cancels answer a repeat the same way.
//
// The conversation records by as the canceller. Only a cancel about to write tells it, one
// at a time per message (a second waits for the first: cancelRepeats), and once one write
// lands none follows: so the last canceller told is the one whose cancel took effect, and a
// repeat, which tells nothing, keeps the first. Not across activations: a stale one's cancel
// tells before its write finds the row canceled by the other, and takes that as its own
// (transition), so the record names its canceller (OUTBOUND.md).
func (s *sender) writeCancel(row persistence.OutboxMessage, held bool, by *MessageAuthor, r cluster.Replier) {
	store, node, d, tenantID := s.d.Store, s.node, s.d, s.tenantID
	tell := s.cancelTeller()
	now := s.d.Now()
	d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		if !held {
			stored, err := store.Outbox().Get(ctx, row.ID)
			switch {
			case err != nil:
				tell(&cancelDone{id: row.ID, err: err, reply: r})
				return
			case stored.TenantID != tenantID || stored.ConversationID != row.ConversationID:
				tell(&cancelDone{id: row.ID, err: persistence.ErrNotFound, reply: r})
				return
			case stored.State == persistence.OutboxCanceled:
				tell(&cancelDone{id: row.ID, row: stored, reply: r, already: true})
				return
			case stored.State != persistence.OutboxQueued:
				tell(&cancelDone{id: row.ID, err: storedTooLate(stored.State), reply: r})
				return
			}
			row = stored
		}
		row.State, row.UpdatedAt = persistence.OutboxCanceled, now
		// With the message, as every outcome: the conversation may have lost its record,
		// and one never stored would answer "not found" and fail the cancel.
		res := (&OutboundResult{MessageID: row.ID, Status: StatusCanceled, At: now, Retracted: row.Retracted, CanceledBy: by}).restoring(row)
		if err := tellConversation(ctx, node, row, res, d); err != nil {
			// No webhook would ever tell it: a canceled row with a conversation saying
			// "queued" would stay so. The cancel fails instead and the message stays queued.
			tell(&cancelDone{id: row.ID, err: err, reply: r})
			return
		}
		err := transition(ctx, store.Outbox(), persistence.OutboxQueued, row, true)
		if errors.Is(err, persistence.ErrVersionConflict) {
			if cur, gerr := store.Outbox().Get(ctx, row.ID); gerr == nil {
				err = storedTooLate(cur.State) // a claim landed first
			}
		}
		tell(&cancelDone{id: row.ID, row: row, err: err, reply: r, by: by})
	})
}

// cancelTeller returns how a cancel's write reports back: to the grain, which answers the
// caller once it has settled its memory, or — its activation stopped meanwhile, and a
// stopped grain drops the report — to the caller directly, which otherwise waits out its
// deadline and retries. (A stop between the check and the grain's turn still drops it: the
// retry is then answered from the stored row.)
func (s *sender) cancelTeller() func(*cancelDone) {
	tell, halted := s.tell, &s.halted
	return func(c *cancelDone) {
		if halted.Load() {
			answerCancel(c)
			return
		}
		tell(c)
	}
}

// canceled finishes a cancel once its write is decided.
func (s *sender) canceled(c *cancelDone) {
	delete(s.canceling, c.id)
	it := s.items[c.id]
	if it != nil && it.phase != phaseCanceling {
		it = nil // held again since (a rescan loaded it while the store decided): not ours
	}
	var refused *NotCancelableError
	decided := c.err == nil || errors.As(c.err, &refused) || errors.Is(c.err, persistence.ErrNotFound)
	if decided && it != nil {
		// Canceled, or decided elsewhere (another activation claimed it, or it is gone):
		// either way not this activation's to send.
		delete(s.items, c.id)
	}
	switch {
	case c.err == nil && !c.already:
		if it != nil && it.reached != "" { // Meta reported it while the cancel was written
			s.confirmUntracked(&OutboundEvidence{MessageID: c.id, WAMID: it.reached})
		}
		s.initiatedEnded(c.id, c.row.ConversationID, it != nil && it.reached != "")
		s.d.Log.Info("outbound message canceled", "tenant", s.tenantID, "message", c.id)
	case c.err != nil && !decided:
		// The store did not take the write: the message is still queued, and goes back
		// where it was in its lane (or, not held, stays for a rescan to find).
		if it != nil {
			it.phase = phaseQueued
			s.number(it.row.PhoneNumberID).q.restore(it, s.d.Now())
			s.pump()
		} else {
			s.moreInStore = true
		}
	}
	answerCancel(c)
	for _, r := range s.cancelRepeats[c.id] {
		repeat := *c
		repeat.reply = r
		answerCancel(&repeat)
	}
	delete(s.cancelRepeats, c.id)
}

// answerCancel answers a cancel's caller with its outcome.
func answerCancel(c *cancelDone) {
	var refused *NotCancelableError
	switch {
	case c.err == nil:
		c.reply.Send(&Canceled{Message: c.row, By: c.by})
	case errors.As(c.err, &refused):
		c.reply.Fail(FailureNotCancelable, refused.Reason)
	case errors.Is(c.err, persistence.ErrNotFound):
		c.reply.Fail(FailureNotFound, "no message "+c.id)
	default:
		c.reply.Fail(FailureStore, fmt.Sprintf("cancel not written: %v", c.err))
	}
}
