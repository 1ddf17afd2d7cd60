package actors

import (
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// A message waits in its lane for its pacing slot, its customer's pair limit, a retry's
// backoff or the end of a pause. Past OutboundPolicy.Validity from its acceptance, or past its
// own ExpiresAt (the API's validFor) when sooner, it is not sent at all: it fails "expired", as Twilio fails a message still queued past its
// ValidityPeriod (error 30001), because a one-time code or a reminder that arrives hours late
// does harm. Only a queued message expires, when its lane would hand it to Meta; one whose
// fate is unknown may have reached Meta and waits for evidence as ever (judged unsent, it is
// queued again, and may then expire).

// sendBy is the latest time a message may go out: Validity after its acceptance, or its own
// ExpiresAt (the API's validFor) when that is sooner; zero when neither is known.
func (s *sender) sendBy(row persistence.OutboxMessage) time.Time {
	var by time.Time
	if !row.CreatedAt.IsZero() {
		by = row.CreatedAt.Add(s.pol.Validity)
	}
	if !row.ExpiresAt.IsZero() && (by.IsZero() || row.ExpiresAt.Before(by)) {
		by = row.ExpiresAt
	}
	return by
}

// expired reports whether a message taken from its lane is too old to send.
func (s *sender) expired(it *outItem, now time.Time) bool {
	by := s.sendBy(it.row)
	return it.row.State == persistence.OutboxQueued && !by.IsZero() && now.After(by)
}

// expire fails a message its lane just handed over instead of sending it.
func (s *sender) expire(it *outItem, nq *numberQueue, now time.Time) {
	nq.q.withdraw(it, now)
	s.failExpired(it, now)
}

// expireWhileBlocked fails the queued messages whose validity ended while the tenant may not
// send (a pause, a rejected token, a restriction, no token): the lanes hand nothing over
// then, so the check at hand-over alone would let a five-minute code wait out an hour's
// pause and fail only at its end, while the API still said "queued". It looks at the
// messages held in memory at most every DirectoryRefresh, or at the next validity end when
// sooner, and returns when to look again. Rows beyond the memory queue (MemoryQueue) are
// checked when they are loaded, as ever.
func (s *sender) expireWhileBlocked(now time.Time) time.Time {
	if now.Before(s.expiryScanAt) {
		return s.expiryScanAt
	}
	next := now.Add(s.pol.DirectoryRefresh)
	for _, it := range s.items {
		by := s.sendBy(it.row)
		if it.phase != phaseQueued || it.row.State != persistence.OutboxQueued || by.IsZero() {
			continue
		}
		if !now.After(by) {
			next = earliest(next, by.Add(time.Millisecond)) // expired is strictly after
			continue
		}
		if s.number(it.row.PhoneNumberID).q.take(it, now) {
			s.failExpired(it, now)
		}
	}
	s.expiryScanAt = next
	return next
}

// failExpired settles a message out of its lane as failed, expired unsent.
func (s *sender) failExpired(it *outItem, now time.Time) {
	by := s.sendBy(it.row)
	s.d.Log.Warn("outbound message expired unsent", "tenant", s.tenantID, "message", it.row.ID, "accepted", it.row.CreatedAt, "send_by", by)
	s.failUnsent(it, &MessageError{Title: "expired: still unsent when its validity ended at " + by.UTC().Format(time.RFC3339), Reason: ReasonExpired}, now)
}

// failUnsent settles a message out of its lane as failed with e, never sent.
func (s *sender) failUnsent(it *outItem, e *MessageError, now time.Time) {
	row := it.row
	row.State, row.UpdatedAt = persistence.OutboxFailed, now
	keepError(&row, e)
	s.settle(it, row, unsentResult(row, e, now))
}

// unsentResult is what the conversation is told of row, failed with e at now, never sent.
func unsentResult(row persistence.OutboxMessage, e *MessageError, now time.Time) *OutboundResult {
	return &OutboundResult{MessageID: row.ID, Status: StatusFailed, Error: e, At: now, Unsent: true}
}
