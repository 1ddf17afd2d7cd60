package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// The sender's front door for the REST edge (QueueOutbound): the tenant writes a message the
// API accepted into the outbox itself, and answers once the row is durable. When the message
// can leave at once — the number has nothing waiting, the pacer has a slot, the recipient's
// lane is free — the insert is also its claim: the row is written as sending, and the send
// follows the commit. That spares a message the claim's outbox write, a grain call and a
// goroutine hand-off. A crash between insert and send leaves a sending row, which the next
// activation reconciles exactly like a claim the crash interrupted (OUTBOUND.md).

// errNotInserted: the outbox did not take the row, so there is nothing to send.
var errNotInserted = errors.New("outbox insert failed")

// queuedDurable tells the grain that a row accept wrote queued is durable: track it now
// (earlier, a dispatch could claim a row that is not stored yet).
type queuedDurable struct{ row persistence.OutboxMessage }

// notQueued tells the grain that this try of an API call stored nothing: the outbox refused
// the row (the call failed), or found it stored by an earlier try (replay). An admission this
// try made against the messaging limit is given back; the stored row keeps its own.
type notQueued struct{ id, conv string }

// accept stores q's row and answers r: Queued once durable (after telling the conversation
// its record), a Failure if the store refused.
func (s *sender) accept(q *QueueOutbound, r cluster.Replier) {
	row := q.Message
	if row.ID == "" || row.TenantID != s.tenantID || row.PhoneNumberID == "" {
		r.Fail(FailureInvalid, fmt.Sprintf("outbox message %q is not tenant %s's, or has no sending number", row.ID, s.tenantID))
		return
	}
	if why := s.backlogFull(); why != "" {
		r.FailFor(FailureQueueFull, why, QueueFullRetry)
		return
	}
	now := s.d.Now()
	if code, why, wait := s.marketingRefusal(q, now); wait > 0 {
		r.FailFor(code, why, wait)
		return
	} else if why != "" {
		r.Fail(code, why)
		return
	}
	admitted := false
	if q.Template != nil {
		why, wait, ok := s.messagingLimitFull(row, now)
		if why != "" {
			r.FailFor(FailureMessagingLimit, why, wait)
			return
		}
		admitted = ok
	}
	s.acceptedOne()
	row.State = persistence.OutboxQueued
	ack := s.acker(q.Record, row, r)
	if it, nq, ok := s.claimAtInsert(row, now); ok {
		s.startInsertedAttempt(it, s.departure(it, nq, now), admitted, ack, r)
		s.gates.sent = true
		s.markSending(now)
		return
	}
	ob, tell, log := s.d.Store.Outbox(), s.tell, s.d.Log
	s.d.spawn(func() {
		ctx, cancel := insertContext(context.Background(), r)
		defer cancel()
		switch err := ob.Enqueue(ctx, []persistence.OutboxMessage{row}); {
		case errors.Is(err, persistence.ErrConflict):
			replayed(replay(ctx, ob, row, ack, r), row, admitted, tell)
		case err != nil:
			withdrawInsert(ob, row, log) // in case it landed: a rescan would send it
			r.Fail(FailureStore, fmt.Sprintf("outbox: %v", err))
			tell(&notQueued{id: row.ID, conv: row.ConversationID})
		default:
			ack()
			tell(&queuedDurable{row: row})
		}
	})
}

// insertContext bounds an accepted send's insert (and what answers it) by the store timeout
// and by its caller's deadline: the API answers 503 at that deadline, so an insert still
// running then must fail (and be withdrawn in case it landed) rather than land unanswered
// and be sent.
func insertContext(parent context.Context, r cluster.Replier) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(storeTimeout)
	if d, ok := r.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	return context.WithDeadline(parent, deadline)
}

// replay answers a QueueOutbound whose insert found its id taken. An id is new per API
// request unless the client named the request (Idempotency-Key), so a stored row asking for
// the same message (SameRequest) is an earlier try of this very call — the client's
// retry, or the edge's after an activation died — and the answer is that row as it stands:
// nothing is stored, told or sent again (a record the earlier try could not tell reaches
// the conversation with the send's outcome, which carries the message). A row an earlier
// try's refused call withdrew was never accepted: it is revived with this try's row, queued,
// and this try is accepted like a new one (ack). Any other row means the key was reused for a
// different message, which is refused. It returns what it answered.
func replay(ctx context.Context, ob persistence.Outbox, row persistence.OutboxMessage, ack func(), r cluster.Replier) replayAnswer {
	stored, err := ob.Get(ctx, row.ID)
	if err != nil {
		r.Fail(FailureStore, fmt.Sprintf("outbox: %s is stored but cannot be read back: %v", row.ID, err))
		return replayAnswer{}
	}
	if !SameRequest(stored, row) {
		r.Fail(FailureIdempotencyReused, "this Idempotency-Key was already used for a different message")
		return replayAnswer{}
	}
	if Withdrawn(stored) {
		revived := row
		revived.State, revived.Attempts, revived.UpdatedAt = persistence.OutboxQueued, 0, time.Now().UTC()
		if err := ob.Transition(ctx, persistence.OutboxFailed, revived); err != nil {
			r.Fail(FailureStore, fmt.Sprintf("outbox: reviving withdrawn %s: %v", row.ID, err))
			return replayAnswer{}
		}
		ack()
		return replayAnswer{stored: revived, answered: true, revived: true}
	}
	r.Send(&Queued{Replay: &stored})
	return replayAnswer{stored: stored, answered: true}
}

// replayAnswer is what replay answered: the row as stored now, unless it answered a failure
// (answered false), and whether this try was accepted after all (revived).
type replayAnswer struct {
	stored            persistence.OutboxMessage
	answered, revived bool
}

// replayed tells the grain what a replay of row leaves for it: unless this try was revived,
// it stored nothing, so an admission it made against the messaging limit is given back
// (the stored row's own, if any, was made and counted by its first try); and a stored row
// still queued is tracked, as its first try's activation may be gone.
func replayed(a replayAnswer, row persistence.OutboxMessage, admitted bool, tell func(any)) {
	if admitted && !a.revived {
		tell(&notQueued{id: row.ID, conv: row.ConversationID})
	}
	if a.answered && a.stored.State == persistence.OutboxQueued {
		tell(&queuedDurable{row: a.stored})
	}
}

// acker returns what answers an accepted send once its row is durable: the conversation is
// told its record first, so it is in the conversation's mailbox before the caller hears of
// the send (and before the send's outcome, which follows the answer), then r gets Queued.
// The Tell waits for the conversation's lookup no longer than tellTimeout: the row is durable,
// and an answer held until the caller's deadline would report failed a send that goes out.
func (s *sender) acker(record *Message, row persistence.OutboxMessage, r cluster.Replier) func() {
	node, log := s.node, s.d.Log
	return func() {
		if identity, ok := conversationOf(row); ok && record != nil && node != nil {
			if err := node.TellBy(tellBy(), KindConversation, identity, &RecordOutbound{Message: *record}); err != nil {
				// The outcome's OutboundResult carries the message and restores the record.
				log.Warn("conversation not told of a queued send", "conversation", identity, "message", row.ID, "err", err)
			}
		}
		r.Send(&Queued{})
	}
}

// claimAtInsert takes row straight to sending if it may leave now, as dispatch would: no
// message of the number waits in a lane (so nobody is overtaken), the tenant is not blocked
// or draining, a slot is within the lead, the in-flight bound allows it and the recipient's
// pair bucket has a message. It returns the item, booked and counted in flight, and its number's queue.
func (s *sender) claimAtInsert(row persistence.OutboxMessage, now time.Time) (*outItem, *numberQueue, bool) {
	if !s.enabled() || s.stopped || s.d.Drain.closing() || s.inflight >= s.pol.MaxInFlight || row.NextAttemptAt.After(now) {
		return nil, nil, false
	}
	if _, held := s.items[row.ID]; held {
		return nil, nil, false
	}
	s.refreshDirectory(now, false)
	if _, blocked := s.blocked(now); blocked {
		return nil, nil, false
	}
	nq := s.number(row.PhoneNumberID)
	if nq.q.idleQueued() > 0 || !nq.q.free(row.Recipient, now) || nq.pace.slot(now).After(now.Add(s.pol.Lead)) {
		return nil, nil, false
	}
	if !s.d.Drain.begin() { // the node began stopping: the row is stored queued instead
		return nil, nil, false
	}
	it := &outItem{row: row, notBefore: row.NextAttemptAt}
	s.items[row.ID] = it
	nq.q.push(it, now)
	if got := nq.q.next(now); got != it {
		// free said the lane could go; anything else is a bug that must not send twice.
		panic(fmt.Sprintf("actors: claim at insert of %s took %v", row.ID, got))
	}
	s.book(it, nq, now)
	return it, nq, true
}

// startInsertedAttempt writes the item's row claimed (sending, first attempt), answers r,
// and sends at the item's slot. If the insert fails the message was never stored: r gets a
// Failure and nothing is sent. An insert whose outcome is unclear (a timeout after the write
// may have landed) is withdrawn — sending → failed, which only a stored row accepts — so a
// row the API refused never goes out later by reconciliation.
func (s *sender) startInsertedAttempt(it *outItem, dep departure, admitted bool, ack func(), r cluster.Replier) {
	queued, store, log := it.row, s.d.Store, s.d.Log
	claim := queued
	claim.State, claim.Attempts, claim.UpdatedAt = persistence.OutboxSending, 1, time.Now().UTC()
	s.d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dep.timeout)
		defer cancel()
		ictx, icancel := insertContext(ctx, r)
		defer icancel()
		switch err := store.Outbox().Enqueue(ictx, []persistence.OutboxMessage{claim}); {
		case errors.Is(err, persistence.ErrConflict):
			// The id was stored by an earlier try of this call, or by another message
			// (replay). Nothing of this try was stored: let go of the claim. A replayed row
			// still queued goes through the ordinary claim, which sends it only if it is
			// still queued then.
			dep.tell(&attemptDone{id: claim.ID, claimErr: fmt.Errorf("%w: %w", errNotInserted, err)})
			replayed(replay(ctx, store.Outbox(), queued, ack, r), queued, admitted, dep.tell)
			return
		case err != nil:
			withdrawInsert(store.Outbox(), claim, log)
			r.Fail(FailureStore, fmt.Sprintf("outbox: %v", err))
			dep.tell(&attemptDone{id: claim.ID, claimErr: fmt.Errorf("%w: %w", errNotInserted, err)})
			return
		}
		ack()
		dep.send(ctx, claim)
	})
}

// withdrawnTitle marks a row withdrawInsert failed.
const withdrawnTitle = "not accepted: the outbox write was not confirmed"

// Withdrawn reports whether row is an insert its API call was refused for and withdrew
// (withdrawInsert): never acknowledged and never sent — withdrawal only moves a row still
// in its claim, which no reconciliation has touched — so a repeat of the call (the same
// Idempotency-Key) sends it after all.
func Withdrawn(row persistence.OutboxMessage) bool {
	return row.State == persistence.OutboxFailed && row.ErrorCode == 0 && row.ErrorTitle == withdrawnTitle
}

// withdrawInsert marks failed a row whose insert reported an error, in case it landed: one
// written claimed (sending) would be reconciled and sent, one written queued would be sent by
// the next rescan, though the API refused it. The write is conditional on the state inserted,
// so a row already moved on (an earlier try's, replayed) is left alone.
func withdrawInsert(ob persistence.Outbox, inserted persistence.OutboxMessage, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	withdrawn := inserted
	withdrawn.State, withdrawn.ErrorTitle, withdrawn.ErrorReason, withdrawn.UpdatedAt = persistence.OutboxFailed, withdrawnTitle, ReasonNotAccepted, time.Now().UTC()
	if err := ob.Transition(ctx, inserted.State, withdrawn); err != nil && !errors.Is(err, persistence.ErrNotFound) {
		log.Warn("outbox insert failed and its withdrawal too; it may still be sent", "message", inserted.ID, "err", err)
	}
}

// marketingRefusal is why q may not go to its customer (why "" if it may), with the
// failure's code and how long to wait: a MARKETING template to a customer who stopped
// marketing messages (Meta would refuse it, 131050, and a business that keeps sending
// marketing to people who said stop risks its quality rating), or one Meta held marketing
// back from within the last day (131049: another "will only result in another error").
// Utility and authentication templates, and replies, still go.
func (s *sender) marketingRefusal(q *QueueOutbound, now time.Time) (code, why string, wait time.Duration) {
	if q.Template == nil || s.contactOf == nil {
		return "", "", 0
	}
	tpl, ok := s.state.Templates[templateKey(q.Template.Name, q.Template.Language)]
	if !ok || tpl.Category != TemplateMarketing {
		return "", "", 0
	}
	const otherWays = "a utility template or, inside the 24-hour window, a reply still reaches them"
	switch bar := s.marketingBar(q.Message.ConversationID, now); {
	case bar.stopped:
		return FailureMarketingOptOut, fmt.Sprintf("the customer stopped marketing messages%s, so WhatsApp would refuse the MARKETING template %s (131050); "+
			otherWays, bar.stoppedOn(), q.Template.Name), 0
	case bar.heldUntil.After(now):
		return FailureMarketingHeld, fmt.Sprintf("WhatsApp held back a marketing message to this customer to keep their engagement healthy (131049) "+
			"and refuses another until %s, so the MARKETING template %s would fail; "+otherWays,
			bar.heldUntil.UTC().Format(time.RFC3339), q.Template.Name), bar.heldUntil.Sub(now)
	}
	return "", "", 0
}

// TemplateMarketing is the category whose templates a customer may stop (user_preferences).
const TemplateMarketing = "MARKETING"
