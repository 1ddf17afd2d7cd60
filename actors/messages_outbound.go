package actors

import (
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// TemplateRef names a template translation (WhatsApp's identity: WABA, name, language)
// and, for a send, the shape of its components, which must fit the template's parameters
// when the tenant knows them (template_params.go).
type TemplateRef struct {
	Name       string                   `json:"name"`
	Language   string                   `json:"language"`
	Components []TemplateComponentShape `json:"components,omitempty"`
}

// PrepareSend asks the tenant whether it may send now and from which number. A template
// send names its template, which must be known (synced or announced by webhook) and
// APPROVED. The answer is a SendTicket or a Failure with one of the FailureSend… codes.
type PrepareSend struct {
	Template *TemplateRef `json:"template,omitempty"`
	// ConversationID, when known, lets the tenant tell a template inside the customer's
	// window from a business-initiated one (account restrictions tell them apart).
	ConversationID string `json:"conversationId,omitempty"`
}

// SendTicket answers PrepareSend: the number the message goes out from.
type SendTicket struct {
	PhoneNumberID string `json:"phoneNumberId"`
}

// QueueOutbound is a send the API accepted, in one call to its tenant. The tenant checks
// that it may send now (PrepareSend's checks, the template's among them), and, when
// NeedsWindow, that the customer's 24-hour window is open by its copy of the conversation's
// summary; it fills in the sending number, stores the message in the outbox — queued, or
// already claimed when it can leave at once — tells the conversation to record Record, and
// answers Ack once the row is durable. Refusals are PrepareSend's Failures, or
// FailureWindowUnvouched when the tenant's copy cannot vouch for the window (none, or one
// that says closed, which a message just stored may make stale): the caller then asks the
// conversation, which knows. A store refusal is a Failure too, and nothing was stored.
// Retrying after an unclear failure is safe by message id (ErrConflict).
type QueueOutbound struct {
	Message     persistence.OutboxMessage `json:"message"`
	Template    *TemplateRef              `json:"template,omitempty"`
	NeedsWindow bool                      `json:"needsWindow,omitempty"`
	// Record is the message as its conversation shows it (queued). It is told, not called:
	// the record is in the conversation's mailbox before the Ack, so the caller's next read
	// sees it, and a record lost with an activation is restored by the send's outcome
	// (OutboundResult carries the message).
	Record *Message `json:"record,omitempty"`
}

// Queued answers QueueOutbound once the message is durable. Replay is set when the outbox
// already held a message with this id and the same request (an earlier try of the same call:
// a client's retry under the same Idempotency-Key, or a retry after an activation died):
// nothing new was stored or sent, and Replay is that message as stored now.
type Queued struct {
	Replay *persistence.OutboxMessage `json:"replay,omitempty"`
}

// SubmitOutbound hands a message already stored queued in the outbox to its tenant's
// sender. Idempotent by message id; the tenant also finds queued messages by itself at
// activation, so a lost Submit delays a message, it never loses it.
type SubmitOutbound struct {
	Message persistence.OutboxMessage `json:"message"`
}

// WakeOutbound activates a tenant so it resumes its outbox (a stopped activation's
// hand-over sends it to the next). Due marks the outbox keeper's wake (outbox_keeper.go): the
// store holds work due for the tenant. It is not a use of the tenant: an activation that
// holds nothing and has had no other message for the passivation's idle time stops on it,
// as it would have without the keeper, and the next activation reloads that work.
type WakeOutbound struct {
	Due bool `json:"due,omitempty"`
}

// OutboundResult tells a conversation what became of one of its outbound messages: the
// wamid Meta gave it and the status it reached (sent, failed with Meta's error, or
// unknown while the sender reconciles). Idempotent: statuses only move forward.
type OutboundResult struct {
	MessageID string `json:"messageId"`
	WAMID     string `json:"wamid,omitempty"`
	// WaID is the customer's wa_id as Meta's answer to the send named it (Accepted.WaID):
	// the conversation's contact learns it with the outcome, before any status webhook.
	WaID   string        `json:"waId,omitempty"`
	Status string        `json:"status,omitempty"`
	Error  *MessageError `json:"error,omitempty"`
	At     time.Time     `json:"at"`
	// Message is the message as accepted. The conversation stores it when it does not have
	// it (the process died between the outbox write and the conversation's).
	Message *Message `json:"message,omitempty"`
	// Retracted lists the wamids of the message's earlier attempts that Meta failed
	// asynchronously and the sender sent again (OutboxMessage.Retracted): a conversation
	// still showing one of them starts the message over (conversation_resend.go). Every
	// result carries the whole list, so a result lost in a crash is made up by the next.
	Retracted []string `json:"retracted,omitempty"`
	// Reinstated is a retracted attempt Meta delivered after all, whose resend the sender
	// withdrew before it left: the message is that attempt again (sender_withdraw.go).
	Reinstated string `json:"reinstated,omitempty"`
	// Unsent: the sender failed the message without sending it (expired, or refused by its
	// lane's check as Meta would refuse it): its error is ours, and Meta said nothing of the
	// customer, so the conversation does not take it for Meta's 131049 or 131050.
	Unsent bool `json:"unsent,omitempty"`
	// Final names an attempt Meta failed with a retryable code that the engine will not send
	// again (its attempts or validity used up, or Meta delivered it as well): the
	// conversation's record of that failure stops saying retryable, and the change is
	// published, so a client learns the failure is final (sender_resend.go).
	Final string `json:"final,omitempty"`
	// CanceledBy is the user whose cancel this is (Status canceled): the record names them.
	CanceledBy *MessageAuthor `json:"canceledBy,omitempty"`
}

// GetOutbound asks a conversation what it knows of one of its outbound messages: the
// sender's evidence check when it reconciles a message of unknown fate.
type GetOutbound struct {
	MessageID string `json:"messageId"`
}

// OutboundView answers GetOutbound.
type OutboundView struct {
	Found  bool   `json:"found"`
	WAMID  string `json:"wamid,omitempty"`
	Status string `json:"status,omitempty"`
	// Retry is Meta's failure of attempt WAMID with its own trouble, when the message shows
	// one (Status failed): the attempt reached Meta, and the message is to be sent again
	// (sender_resend.go), which a reconciliation must not take for plain evidence.
	Retry *MessageError `json:"retry,omitempty"`
}

// Reached reports whether the view proves the message reached Meta: it has a wamid, or
// Meta reported a status for it. A failure without a wamid is Meta refusing the request
// (the sender recorded its error answer), not evidence that Meta accepted it.
func (v OutboundView) Reached() bool {
	if !v.Found {
		return false
	}
	return v.WAMID != "" || (v.Status != StatusFailed && statusRank[v.Status] >= statusRank[StatusSent])
}

// OutboundEvidence tells the tenant that Meta reported a status carrying one of its message
// ids as biz_opaque_callback_data: that message reached Meta, whatever the outbox says.
type OutboundEvidence struct {
	MessageID string `json:"messageId"`
	WAMID     string `json:"wamid"`
	// Restricted is the error of a failed status that restricts the tenant's sends
	// (StatusUpdate.PausesSends): the sender pauses as for the same answer to a send.
	Restricted *MessageError `json:"restricted,omitempty"`
	// RestrictedAt is the failed status's own time: the pause runs from it, so a status Meta
	// delivers days late (it retries for 7) pauses nothing once its pause would have ended.
	// It is also the time of a TemplateRefused.
	RestrictedAt time.Time `json:"restrictedAt,omitzero"`
	// TemplateRefused is the error of a failed status saying the message's template is
	// paused or disabled (132015/132016): the tenant's copy of the template takes that
	// status, as for the same answer to a send.
	TemplateRefused *MessageError `json:"templateRefused,omitempty"`
	// Recorded says the conversation holds the message a Restricted or TemplateRefused
	// status names, ConversationID, and Template the template it sent (nil: not a
	// template): the sender tells a business-initiated send from a reply (131042) and knows
	// which template Meta refused without reading the outbox.
	Recorded       bool         `json:"recorded,omitempty"`
	ConversationID string       `json:"conversationId,omitempty"`
	Template       *TemplateRef `json:"template,omitempty"`
	// Retry is the error of a failed status Meta says may be retried (StatusUpdate.Retryable)
	// for the message's current wamid: the sender sends the message again, within its
	// attempts and validity (sender_resend.go).
	Retry *MessageError `json:"retry,omitempty"`
	// Delivered: Meta reported WAMID delivered (or read) after failing it with its own
	// trouble. A resend not yet at Meta is withdrawn (sender_withdraw.go).
	Delivered bool `json:"delivered,omitempty"`
}

// Failure codes of PrepareSend, one per reason a tenant refuses to send now.
const (
	FailureNotConfigured  = "not_configured"      // no number or token
	FailureTenantInactive = "tenant_inactive"     // deactivated
	FailureNeedsReauth    = "needs_reauth"        // Meta rejected the token (190) or the app was removed
	FailureSendingPaused  = "sending_paused"      // Meta restricted the number/WABA (131048, 368, …)
	FailureTemplate       = "template_not_usable" // unknown template or not APPROVED
	// FailureTemplateParams: the send's components do not fit the template's parameters;
	// the Failure's Details name them.
	FailureTemplateParams = "template_parameters_mismatch"
	// FailureMarketingOptOut: a MARKETING template to a customer who stopped marketing
	// messages (user_preferences "stop", or Meta's 131050 on an earlier one).
	FailureMarketingOptOut = "marketing_opt_out"
	// FailureMarketingHeld: a MARKETING template to a customer Meta held marketing back
	// from within the last day (131049), with the wait (RetryAfter).
	FailureMarketingHeld = "marketing_held"
	// FailureNumberChanged: the conversation's customer changed number (user_changed_number);
	// the Failure's Details name the conversation they continue in (continuedIn).
	FailureNumberChanged = "number_changed"
	// FailureWindowUnvouched: the tenant's copy of the summary cannot vouch that the
	// customer's window is open; ask the conversation (QueueOutbound).
	FailureWindowUnvouched = "window_unvouched"
	// FailureIdempotencyReused: the message id is taken by a different request (a client
	// reused an Idempotency-Key); nothing was stored.
	FailureIdempotencyReused = "idempotency_key_reused"
	// FailureQueueFull: the tenant's backlog is at its bound (OutboundPolicy.QueueWindow).
	FailureQueueFull = "queue_full"
	// FailureMessagingLimit: a template to a new recipient outside their window would exceed
	// Meta's messaging limit (messaging_limit.go); the Failure's RetryAfter says when a
	// recipient leaves the 24 hours.
	FailureMessagingLimit = "messaging_limit_reached"
	// FailureRecipientIsSender: the conversation's customer is the tenant's own number
	// (Meta's 131021); the Failure's Details name the conversationId.
	FailureRecipientIsSender = "recipient_is_sender"
)

func registerOutbound(register func(name string, v any)) {
	for name, v := range map[string]any{
		"actors.PrepareSend": PrepareSend{}, "actors.SendTicket": SendTicket{},
		"actors.SubmitOutbound": SubmitOutbound{}, "actors.WakeOutbound": WakeOutbound{},
		"actors.QueueOutbound": QueueOutbound{}, "actors.Queued": Queued{},
		"actors.OutboundResult": OutboundResult{}, "actors.GetOutbound": GetOutbound{},
		"actors.OutboundView": OutboundView{}, "actors.OutboundEvidence": OutboundEvidence{},
		"actors.GetSendingStatus": GetSendingStatus{}, "actors.SendingStatus": SendingStatus{},
		"actors.LearnMessagingTier": LearnMessagingTier{},
		"actors.CancelOutbound":     CancelOutbound{}, "actors.Canceled": Canceled{},
		"actors.SyncTemplates": SyncTemplates{}, "actors.TemplatesSynced": TemplatesSynced{},
	} {
		register(name, v)
	}
}
