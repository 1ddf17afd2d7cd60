package actors

import (
	"errors"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// attemptDone reports one claim-and-send (sender_io.go).
type attemptDone struct {
	id       string
	claimed  persistence.OutboxMessage // the row as claimed (state sending)
	claimErr error                     // the claim failed: nothing was sent
	wamid    string
	waID     string // the customer's wa_id in Meta's answer, if any
	err      error
	used     persistence.SealedSecret // the token the send carried
}

// settled reports that an outcome was written to the outbox (and told to the conversation).
type settled struct {
	id   string
	from persistence.OutboxState
	row  persistence.OutboxMessage
	head bool
	err  error
	// untold is the outcome the conversation could not be told (errUntold), to tell again.
	untold *OutboundResult
	// marked is Meta's failure of the attempt written to the row after the outcome
	// (retryable: sender_late_failure.go).
	marked *OutboundEvidence
}

// resettle retries a settle whose row was busy.
type resettle struct{ id string }

// attempted applies the outcome of one attempt: the outbox transition it calls for, the
// pacing and pair state it teaches, and what happens to the message next.
func (s *sender) attempted(r *attemptDone) {
	s.inflight--
	it := s.items[r.id]
	if it == nil {
		return
	}
	now := s.d.Now()
	nq := s.number(it.row.PhoneNumberID)
	it.unsureClaim = nil
	if r.claimErr != nil {
		s.attemptOver(it) // nothing was sent, nothing to write
		if errors.Is(r.claimErr, errBusy) {
			// Unchanged but held (a fence a dead process left): not claimed by anyone.
			s.d.Log.Debug("outbox row held by another writer; claiming it again shortly", "tenant", s.tenantID, "message", r.id)
			it.phase, it.notBefore = phaseQueued, now.Add(s.pol.BusyRetry)
			nq.q.release(it, now)
			return
		}
		if errors.Is(r.claimErr, errNotInserted) {
			// Claimed at insert, but the insert failed: the API was refused, nothing is stored.
			// (A conflict is an earlier try of the same call: replayed settles the admission.)
			nq.q.finish(it, now)
			delete(s.items, r.id)
			if !errors.Is(r.claimErr, persistence.ErrConflict) {
				s.initiatedEnded(r.id, it.row.ConversationID, false)
			}
			return
		}
		if errors.Is(r.claimErr, persistence.ErrVersionConflict) || errors.Is(r.claimErr, persistence.ErrNotFound) {
			// Another activation claimed it (or it is gone): it is not ours to send.
			s.d.Log.Warn("outbox message claimed elsewhere", "tenant", s.tenantID, "message", r.id, "err", r.claimErr)
			nq.q.finish(it, now)
			delete(s.items, r.id)
			delete(s.initiatedBy, r.id)
			return
		}
		s.d.Log.Warn("outbox claim failed; retrying", "tenant", s.tenantID, "message", r.id, "err", r.claimErr)
		claim := r.claimed
		it.unsureClaim = &claim // it may have landed
		it.phase, it.notBefore = phaseQueued, now.Add(time.Second)
		nq.q.release(it, now)
		return
	}
	it.row = r.claimed
	pair := nq.q.pairOf(it.row.Recipient)
	if r.err != nil && it.reached != "" {
		// Meta reported a status for it during the attempt: it was accepted, whatever the
		// answer said (lost, timed out, or a proxy's error). Never send it again.
		s.d.Log.Warn("send answered with an error, but Meta reported the message", "tenant", s.tenantID, "message", r.id, "err", r.err)
		r.wamid, r.err = it.reached, nil
	}
	if r.wamid == "" {
		r.wamid = it.reached
	}
	if r.err == nil {
		nq.pace.succeeded(now, it.bookedAt)
		pair.accepted()
		nq.q.finish(it, now)
		row := it.row
		row.State, row.WAMID, row.UpdatedAt = persistence.OutboxSent, r.wamid, now
		keepError(&row, nil)
		s.settle(it, row, &OutboundResult{MessageID: row.ID, WAMID: r.wamid, WaID: r.waID, Status: StatusSent, At: now})
		return
	}
	f := asSendFailure(r.err)
	d := decide(f, it.transient, it.unreached, s.pol)
	s.d.Log.Debug("send failed", "tenant", s.tenantID, "message", it.row.ID, "class", f.Class, "code", f.Code, "action", d.action)
	if d.transient {
		it.transient++ // a retry of Meta's trouble, or lost access that may be this message's own
	}
	switch d.action {
	case actRetry:
		if d.throttle {
			// The number slows (the pacer); the message itself retries after Meta's
			// backoff for the episode (WHATSAPP.md §2.3: ≈1–2 s, exponential, jittered),
			// while its recipient's lane holds the messages behind it.
			backoff := func(n int) time.Duration { return f.wait(n, time.Second, 30*time.Second) }
			nq.pace.throttled(now, it.bookedAt, backoff)
			d.wait = backoff(nq.pace.episode())
		}
		if d.pair {
			d.wait = pair.refused(now, f.Backoff)
		}
		if d.unreached {
			if f.Unavailable {
				// Meta could take no message: the number waits too, not only this one.
				s.holdNumbers(nq, f.Code, now.Add(d.wait))
			}
			it.unreached++
		}
		s.requeue(it, f, now.Add(d.wait), now)
	case actPause:
		if _, template := it.template(); f.Code == metaPaymentIssue && s.businessInitiated(template, it.row.ConversationID) {
			s.paymentRestriction(f, now)
		} else {
			s.pause(f, now) // a payment problem refusing even a reply: everything waits
		}
		s.requeue(it, f, now, now)
	case actReauth:
		if sealedKey(r.used) != s.sealed {
			// The token was replaced while this send was out (a new signup): Meta refused
			// the old one, which says nothing of the new. The message tries again with it.
			s.d.Log.Info("send refused for a token replaced since; retrying with the new one", "tenant", s.tenantID, "message", it.row.ID)
		} else {
			s.needReauth(f, r.used)
		}
		s.requeue(it, f, now, now)
	case actFail:
		s.refusedForAll(it, f.Code, now)
		nq.q.finish(it, now)
		row := it.row
		row.State, row.UpdatedAt = persistence.OutboxFailed, now
		keepError(&row, d.err)
		s.settle(it, row, &OutboundResult{MessageID: row.ID, Status: StatusFailed, Error: d.err, At: now})
	case actUnknown:
		nq.q.finish(it, now)
		row := it.row
		row.State, row.UpdatedAt = persistence.OutboxUnknown, now
		s.d.Log.Warn("send outcome unknown; reconciling", "tenant", s.tenantID, "message", row.ID, "err", f)
		s.settle(it, row, &OutboundResult{MessageID: row.ID, Status: StatusUnknown, At: now})
	}
}

// decidedElsewhere reports whether a refused outbox write means another writer settled the
// row (or it is gone): a conflict that is not errBusy.
func decidedElsewhere(err error) bool {
	return !errors.Is(err, errBusy) && !errors.Is(err, errUntold) &&
		(errors.Is(err, persistence.ErrVersionConflict) || errors.Is(err, persistence.ErrNotFound))
}

// requeue writes the claimed message back to queued; its lane stays busy until the write
// is durable, so no second claim can race it. The row keeps Meta's error as its last one,
// so a client asking after the message learns why it is still queued (GET
// /messages/:conversationId/:messageId); a send that succeeds clears it.
func (s *sender) requeue(it *outItem, f *SendFailure, at, now time.Time) {
	it.notBefore = at
	row := it.row
	row.State, row.NextAttemptAt, row.UpdatedAt = persistence.OutboxQueued, at, now
	keepError(&row, &MessageError{Code: f.Code, Title: failureReason(f), Details: f.Details, Reason: f.Reason})
	row.Transient = it.transient // counted now, so a restart before the next claim keeps it
	s.settle(it, row, nil)
}

// settledOutcome continues after an outcome is durable.
func (s *sender) settledOutcome(r *settled) {
	it := s.items[r.id]
	if it == nil {
		return
	}
	now := s.d.Now()
	nq := s.number(it.row.PhoneNumberID)
	switch {
	case r.err != nil && !decidedElsewhere(r.err):
		// A busy row (a fence a dead process left), or store trouble that outlasted the
		// write's own retries: the outcome is known and nobody else decided the message, so
		// write it again shortly, for as long as it takes. Letting go would leave the row in
		// its old state (sending, unknown) for as long as this activation lives — a busy
		// tenant's may live for days — with the message neither sent again nor settled.
		s.d.Log.Warn("outbox row not written; writing its outcome again shortly", "tenant", s.tenantID, "message", r.id, "to", r.row.State, "err", r.err)
		if r.untold != nil && it.pending != nil {
			it.pending.conv = r.untold
		}
		tell := s.tell
		time.AfterFunc(s.pol.BusyRetry, func() { tell(&resettle{id: r.id}) })
		return
	case r.err != nil:
		s.attemptOver(it)
		// Conflict: another activation decided this message (or it is gone); it is not ours.
		s.d.Log.Error("outbox transition refused; letting go of the message", "tenant", s.tenantID, "message", r.id,
			"from", r.from, "to", r.row.State, "err", r.err)
		if r.head {
			nq.q.finish(it, now)
		}
		delete(s.items, r.id)
		delete(s.unknown, r.id)
		delete(s.initiatedBy, r.id)
		return
	}
	it.row, it.pending = r.row, nil
	// A failure deferred behind this outcome takes the attempt's hold of the drain over.
	done := r.row.State != persistence.OutboxQueued && r.row.State != persistence.OutboxUnknown
	handed := done && it.failedMeanwhile && it.draining
	if handed {
		it.draining = false
	}
	s.attemptOver(it)
	switch r.row.State {
	case persistence.OutboxQueued:
		// A retry (the head of its lane), durable: a client watching events learns the
		// message waits, why, and until when (a retry is rare; a send that goes through
		// publishes nothing here). Not a resend after reconciliation: its conversation shows
		// it unknown until Meta has it, and says so itself.
		if ev, ok := requeuedEvent(r.row); ok && r.head {
			if s.state.SendsPausedUntil.After(now) {
				// Paused (131048, 368, lost access …): the message goes no earlier.
				ev.Delivery.notBefore(s.state.SendsPausedUntil)
			}
			s.d.OnMessages([]MessageEvent{ev})
		}
		it.phase = phaseQueued
		s.expiryScanAt = time.Time{} // queued again: its validity counts while blocked too
		if r.head {
			nq.q.release(it, now) // a retry: the head of its lane again
		} else {
			nq.q.push(it, now) // a resend after reconciliation
		}
	case persistence.OutboxUnknown:
		it.phase, it.reconcileBy, it.checking = phaseUnknown, now.Add(s.pol.ReconcileAfter), false
		s.unknown[r.id] = it
	default: // sent, failed: done
		delete(s.items, r.id)
		s.initiatedEnded(r.id, r.row.ConversationID, r.row.State == persistence.OutboxSent || r.row.WAMID != "")
		if it.failedMeanwhile {
			s.resendBehindOutcome(r.id, handed, r.marked)
		}
	}
}

// pause stops the tenant's sends for PauseFor from when Meta restricted the number or WABA
// (now, for an answer to a send; the status's time, for a failed status) and keeps the pause
// in the tenant's snapshot, so a restart does not hammer Meta again. A pause that has already
// ended, or ends before one in force, changes nothing.
func (s *sender) pause(f *SendFailure, from time.Time) {
	until := from.Add(s.pol.PauseFor)
	if !s.state.SendsPausedUntil.Before(until) || !until.After(s.d.Now()) {
		return
	}
	s.state.SendsPausedUntil, s.state.SendsPausedReason, s.state.SendsPausedAt = until, failureReason(f), from
	s.d.Log.Warn("tenant sends paused", "tenant", s.tenantID, "until", until, "code", f.Code, "reason", f.Title)
	if err := s.save(); err != nil {
		s.d.Log.Error("tenant pause not persisted", "tenant", s.tenantID, "err", err)
		return
	}
	s.standingChanged() // durable: tenant.updated says so at the next pump
}

// needReauth marks the tenant's current token, which Meta just rejected, dead: here at once
// (deadToken), in the directory through OnTokenRejected (the API reports it and only a new
// signup clears it). The directory flags the tenant only while it still stores that token,
// so a signup racing this write is never undone.
func (s *sender) needReauth(f *SendFailure, used persistence.SealedSecret) {
	if s.deadToken == s.sealed {
		return
	}
	s.deadToken = s.sealed
	s.d.Log.Warn("tenant token rejected; sends paused until re-authorisation", "tenant", s.tenantID, "code", f.Code, "reason", f.Title)
	tenantID, rejected, tell, sealed := s.tenantID, s.d.OnTokenRejected, s.tell, s.sealed
	go func() {
		rejected(tenantID, used)
		if tell != nil {
			tell(&reauthRecorded{sealed: sealed}) // tenant.updated, now that it is recorded
		}
	}()
}

func failureReason(f *SendFailure) string {
	if f.Title == "" {
		return f.Class.String()
	}
	return f.Title
}

// asSendFailure treats anything a Graph port returns that is not a SendFailure as a send
// that may have gone out: the port's contract says it should not happen, and guessing
// "not sent" is the guess that can reach a customer twice.
func asSendFailure(err error) *SendFailure {
	var f *SendFailure
	if errors.As(err, &f) {
		return f
	}
	return &SendFailure{Class: ClassRetryTransient, Title: err.Error(), MaybeSent: true}
}
