package actors

import (
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// MessageEvent is one durable change of one message. Conversations publish them through
// Deps.OnMessages after the flush that stored the change, so a subscriber never hears of a
// status the store could still lose; the message is the whole current record (status, its
// timestamps, wamid, Meta's error), so a consumer needs no other read to render it.
//
// The sender publishes one more: a send Meta refused for now (130429, 131056, 131000, a
// pause…) and put back in the outbox as queued, after that write is durable. Its message
// is still queued and Delivery says why and until when — the message as GET
// /messages/:conversationId/:messageId shows it.
type MessageEvent struct {
	Type           string    `json:"type"`
	TenantID       string    `json:"tenantId"`
	ConversationID string    `json:"conversationId"`
	Message        Message   `json:"message"`
	Delivery       *Delivery `json:"delivery,omitempty"`
}

// Delivery is an outbound message's outbox row, as GET /messages/:conversationId/:messageId
// shows it (its "delivery").
type Delivery struct {
	// State is the outbox's: queued, sending, sent, failed, canceled, or unknown while the
	// engine reconciles a send that got no answer (OUTBOUND.md).
	State    persistence.OutboxState `json:"state"`
	Attempts int                     `json:"attempts"`
	// NextAttemptAt is when a queued message may next go out (after a retry's backoff), never
	// before the tenant's pause ends while its sends are paused (DeliveryShown).
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	// ExpiresAt is the latest the message may still go out: the send's own validFor bound,
	// or (GET of one message: ExpiresBy) OUTBOUND_VALIDITY after its acceptance, the sooner.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// LastError is the last failure (Meta's code, title and error_data.details, or the
	// engine's own, told apart by its reason): the reason a queued message waits for a
	// retry, or why a failed one failed.
	LastError *MessageError `json:"lastError,omitempty"`
	UpdatedAt time.Time     `json:"updatedAt"`
}

// shownState is the outbox state the API shows for state. Retryable is not one of the API's:
// Meta failed the attempt it accepted and whether it goes again is being decided
// (sender_resend.go), so the message shows sent, as before the failure was written (a
// Delivery shows the failure as its last error).
func shownState(state persistence.OutboxState) persistence.OutboxState {
	if state == persistence.OutboxRetryable {
		return persistence.OutboxSent
	}
	return state
}

// DeliveryOf is row's Delivery.
func DeliveryOf(row persistence.OutboxMessage) *Delivery {
	d := &Delivery{State: shownState(row.State), Attempts: row.Attempts, UpdatedAt: row.UpdatedAt}
	if row.State == persistence.OutboxQueued && !row.NextAttemptAt.IsZero() {
		at := row.NextAttemptAt
		d.NextAttemptAt = &at
	}
	if !row.ExpiresAt.IsZero() {
		at := row.ExpiresAt
		d.ExpiresAt = &at
	}
	if row.ErrorCode != 0 || row.ErrorTitle != "" {
		d.LastError = rowError(row)
	}
	return d
}

// DeliveryShown is row's Delivery as GET /messages/:conversationId/:messageId shows it beside
// m, the conversation's record of the message, while the tenant's sends are paused until
// pausedUntil (zero: not paused).
//
// A message Meta accepted and then failed in a status webhook keeps a sent row: the outbox
// holds what Meta answered the send, and the failure is the conversation's (a failure about
// the message is never the sender's to decide; a retryable one it decided not to send again
// is settled sent, sender_resend.go). Once that failure is final (m failed, its error not
// retryable) the delivery says failed with that error: a client polling delivery.state must
// not read sent for a message that failed. A failure still retryable shows sent with Meta's
// error as its last one, as the row has it, until the engine decides.
//
// A queued message does not go before a pause of the tenant's sends ends, whatever its own
// backoff says: NextAttemptAt is at least pausedUntil.
func DeliveryShown(row persistence.OutboxMessage, m Message, pausedUntil time.Time) *Delivery {
	d := DeliveryOf(row)
	if d.State == persistence.OutboxSent && m.Status == StatusFailed && m.Error != nil && !m.Error.Retryable {
		e := *m.Error
		e.Reason = reasonOr(e.Reason, e.Code)
		d.State, d.LastError = persistence.OutboxFailed, &e
	}
	d.notBefore(pausedUntil)
	return d
}

// ExpiresBy bounds ExpiresAt by t (zero: no bound): the sender's own validity, which
// applies to every message whatever its validFor, the sooner of the two.
func (d *Delivery) ExpiresBy(t time.Time) {
	if d != nil && !t.IsZero() && (d.ExpiresAt == nil || t.Before(*d.ExpiresAt)) {
		d.ExpiresAt = &t
	}
}

// notBefore moves NextAttemptAt to t when the message cannot go before t (the tenant's pause).
func (d *Delivery) notBefore(t time.Time) {
	if d != nil && d.NextAttemptAt != nil && t.After(*d.NextAttemptAt) {
		d.NextAttemptAt = &t
	}
}

// requeuedEvent is the message.status of a send put back to queued (row, as written): the
// conversation's record of it, rebuilt from the row as the sender rebuilds a lost one
// (OutboundMessage) — a retry changes nothing in the conversation, so telling it would cost
// a write for nothing — with the row's Delivery. ok is false for a row with no conversation.
func requeuedEvent(row persistence.OutboxMessage) (MessageEvent, bool) {
	if _, ok := conversationOf(row); !ok {
		return MessageEvent{}, false
	}
	m, err := OutboundMessage(row.ID, row.Request, row.CreatedAt)
	if err != nil {
		return MessageEvent{}, false
	}
	m.RetractedWAMIDs = row.Retracted
	return MessageEvent{Type: EventMessageStatus, TenantID: row.TenantID, ConversationID: row.ConversationID,
		Message: m, Delivery: DeliveryOf(row)}, true
}
