package persistence

import (
	"context"
	"slices"
	"time"
)

// OutboxState is where an outbound message is on its way to Meta. The transitions are
// queued → sending → sent | failed, sending → queued (retryable error), sending → unknown
// (no answer, or the process died mid-send; reconciled, never resent blindly), unknown → sent
// (Meta reported it) | queued (no report within the wait), queued → sent (a late report),
// sent → queued (Meta failed the message with its own trouble, 131000 …: sent again),
// queued → canceled (the API canceled it before it left) and canceled → sent (a late report:
// a message reconciliation judged unsent reached Meta after all). Meta failing an accepted
// message with its own trouble (131000 …) moves it to retryable first (from sent, or from
// unknown or queued when that failure is the evidence it reached Meta), and the sender's
// decision moves it on: → queued (sent again) or → sent (not: Meta delivered it as well, its
// attempts or validity are used up). See actors/OUTBOUND.md.
type OutboxState string

const (
	OutboxQueued  OutboxState = "queued"
	OutboxSending OutboxState = "sending"
	OutboxSent    OutboxState = "sent"
	OutboxFailed  OutboxState = "failed"
	OutboxUnknown OutboxState = "unknown"
	// OutboxCanceled: canceled while queued (POST /messages/…/cancel); never sent.
	OutboxCanceled OutboxState = "canceled"
	// OutboxRetryable: Meta failed the attempt it had accepted (WAMID) with its own trouble,
	// the row's error, and whether the message goes again is not decided yet. The durable
	// mark of that decision: a stop or a crash before it ends leaves the row pending, and the
	// next activation decides again (actors/sender_resend.go).
	OutboxRetryable OutboxState = "retryable"
)

// PendingStates are the states of a message whose send is not over: listed by state,
// counted in the backlog, woken by the outbox keeper, never pruned.
var PendingStates = []OutboxState{OutboxQueued, OutboxSending, OutboxUnknown, OutboxRetryable}

// SettledStates are the final states: no send is pending, and retention may prune the row.
var SettledStates = []OutboxState{OutboxSent, OutboxFailed, OutboxCanceled}

// Settled reports whether s is a final state (SettledStates).
func (s OutboxState) Settled() bool { return slices.Contains(SettledStates, s) }

// EnqueueState is the state Enqueue stores a message in: sending when the message says so
// (claimed at insert), queued whatever else it says.
func EnqueueState(m OutboxMessage) OutboxState {
	if m.State == OutboxSending {
		return OutboxSending
	}
	return OutboxQueued
}

// OutboxMessage is one message the engine must send to Meta exactly once.
type OutboxMessage struct {
	ID             string      `json:"id" bson:"_id"`
	TenantID       string      `json:"tenantId" bson:"tenantId"`
	ConversationID string      `json:"conversationId" bson:"conversationId"`
	PhoneNumberID  string      `json:"phoneNumberId" bson:"phoneNumberId"`
	Recipient      string      `json:"recipient" bson:"recipient"`
	State          OutboxState `json:"state" bson:"state"`
	// Request is the Graph API request body, built when the message was accepted.
	Request  []byte `json:"request" bson:"request"`
	WAMID    string `json:"wamid,omitempty" bson:"wamid,omitempty"`
	Attempts int    `json:"attempts" bson:"attempts"`
	// Claim is the token of the attempt whose claim (queued → sending) wrote a sending row.
	// An attempt that must find out whether the stored claim is its own (its write's answer
	// was lost, or it hands its message over) compares tokens: two activations' claims of the
	// same attempt number can carry the same millisecond, so attempt and time alone would
	// take another activation's claim, and its send, for one's own.
	Claim         string    `json:"claim,omitempty" bson:"claim,omitempty"`
	NextAttemptAt time.Time `json:"nextAttemptAt" bson:"nextAttemptAt"`
	ErrorCode     int       `json:"errorCode,omitempty" bson:"errorCode,omitempty"`
	ErrorTitle    string    `json:"errorTitle,omitempty" bson:"errorTitle,omitempty"`
	// ErrorDetails is Meta's error_data.details of that error: what Meta says went wrong
	// with this message (the title names only the class of error).
	ErrorDetails string `json:"errorDetails,omitempty" bson:"errorDetails,omitempty"`
	// ErrorReason says whose that error is, in a word a client can switch on (the API's
	// error.reason): "meta" for Meta's code, or the engine's own cause ("expired",
	// "number_changed" …; actors.MessageError.Reason). Empty on rows written before it
	// existed.
	ErrorReason string    `json:"errorReason,omitempty" bson:"errorReason,omitempty"`
	CreatedAt   time.Time `json:"createdAt" bson:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt" bson:"updatedAt"`
	// ExpiresAt, when set, is the latest time the message may still go out (the API's
	// validFor); the sender also applies its own bound from CreatedAt (OUTBOUND_VALIDITY).
	ExpiresAt time.Time `json:"expiresAt,omitzero" bson:"expiresAt,omitempty"`
	// Retracted are the wamids of earlier attempts Meta accepted and then failed with its own
	// trouble (a failed status with 131000 …), after which the message was queued again
	// (sent → queued, the one transition out of a final state a sender makes on its own).
	Retracted []string `json:"retracted,omitempty" bson:"retracted,omitempty"`
	// Transient counts the attempts Meta failed with its own trouble, answering the send
	// (131000 …) or after accepting it (a retracted attempt): OUTBOUND_MAX_ATTEMPTS bounds
	// them together, across restarts.
	Transient int `json:"transient,omitempty" bson:"transient,omitempty"`
}

// Outbox stores outbound messages; its conditional transitions are the guard against sending
// one message twice, including across node failover (Meta has no idempotency key).
type Outbox interface {
	// Enqueue inserts messages in state queued, in one batched write; ErrConflict if an id
	// exists. A message in state sending is inserted as sending: the sender that will send it
	// at once claims it in the same write (EnqueueState).
	Enqueue(ctx context.Context, msgs []OutboxMessage) error
	Get(ctx context.Context, id string) (OutboxMessage, error)
	// Transition replaces the message with m if its stored state is from; otherwise
	// ErrVersionConflict and nothing changes. m.ID names the message.
	Transition(ctx context.Context, from OutboxState, m OutboxMessage) error
	// ListByState lists up to limit messages of a tenant in a pending state (PendingStates),
	// oldest first (recovery at activation, never a hot path). Final states need
	// not be listable: the embedded store does not index them.
	ListByState(ctx context.Context, tenantID string, state OutboxState, limit int) ([]OutboxMessage, error)
	// CountPending counts a tenant's messages not yet settled (PendingStates), up
	// to limit: the backlog its sender checks new sends against, recounted about once a
	// minute, so a count stops early rather than walk a backlog far beyond the bound.
	CountPending(ctx context.Context, tenantID string, limit int) (int, error)
	// DueTenants lists, in ascending order and after the tenant id after, up to limit
	// tenants holding a message due for work: one sending or unknown (an attempt to
	// reconcile), one retryable (a resend to decide), or one queued whose NextAttemptAt is not after now. The engine's outbox
	// keeper wakes them (actors/outbox_keeper.go): a tenant whose activation stopped with
	// such rows is otherwise woken only by its next call. One query per call: it runs every
	// OUTBOX_KEEPER_INTERVAL, so on FerretDB (a table scan per query) it must not cost a
	// query per tenant. A store may count a tenant due when it cannot tell cheaply (a long
	// queue of rows waiting for their retry): waking a tenant early costs an activation,
	// not a send.
	DueTenants(ctx context.Context, now time.Time, after string, limit int) ([]string, error)
	// PruneSettled deletes up to limit messages in a final state (SettledStates) created before
	// before, oldest first, and returns how many it deleted. A message still pending
	// (PendingStates) is never deleted, however old.
	PruneSettled(ctx context.Context, before time.Time, limit int) (int, error)
}
