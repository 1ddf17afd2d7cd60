package actors

import (
	"time"

	json "github.com/goccy/go-json"
)

// Directions of a message.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// Message statuses. Outbound messages move queued < unknown < canceled < sent < failed <
// delivered < read < played by rank, whatever order Meta reports them in. failed ends a
// message Meta accepted but did not deliver; a delivery outranks it, as Meta may report both
// for one message when the customer has several devices (one got it, another did not: the
// customer has the message), in either order. unknown means the engine lost contact with Meta
// in the middle of the send and is reconciling (OUTBOUND.md): any real status supersedes it.
// canceled means the API canceled it while it was queued, so the engine never sends it; it
// ranks below Meta's statuses because one can only come from Meta having the message after
// all (a message reconciliation judged unsent), and then the customer has it.
// Inbound messages are received and stay so: what the agents have not read is the
// conversation's unreadCount, which reading the conversation zeroes (it also sends Meta a
// read receipt for the last inbound message, which marks the earlier ones read at Meta). A
// per-message read would rewrite every unread message's stored bucket for no reader.
const (
	StatusQueued    = "queued"
	StatusUnknown   = "unknown"
	StatusCanceled  = "canceled"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played"
	StatusFailed    = "failed"
	StatusReceived  = "received"
)

// statusRank orders statuses; a status only ever moves to a higher rank. failed is terminal
// for the sender (ARCHITECTURE.md: nothing sends the message again but a retryable failure,
// sender_resend.go), and for the record but for a delivery, which only Meta reports.
var statusRank = map[string]int{
	StatusReceived: 0, StatusQueued: 10, StatusUnknown: 15, StatusCanceled: 16, StatusSent: 20, StatusFailed: 25,
	StatusDelivered: 30, StatusRead: 40, StatusPlayed: 50,
}

// KnownStatus reports whether s is a status the engine tracks.
func KnownStatus(s string) bool { _, ok := statusRank[s]; return ok }

// Message is one message of a conversation, as stored in its bucket and shown by the API.
type Message struct {
	// ID is the wamid for inbound messages and the engine's id for outbound ones (whose
	// wamid arrives with Meta's answer).
	ID        string `json:"id"`
	WAMID     string `json:"wamid,omitempty"`
	Direction string `json:"direction"`
	Type      string `json:"type"`
	// Text is the body, caption or a short label: what an inbox list shows.
	Text string `json:"text,omitempty"`
	// Content is the type-specific member exactly as Meta sent it (image, location, …).
	Content  json.RawMessage `json:"content,omitempty"`
	Context  *MessageContext `json:"context,omitempty"`
	Referral json.RawMessage `json:"referral,omitempty"`

	Status           string               `json:"status"`
	StatusTimestamps map[string]time.Time `json:"statusTimestamps,omitempty"`
	Error            *MessageError        `json:"error,omitempty"`
	Pricing          *Pricing             `json:"pricing,omitempty"`
	// RetractedWAMIDs are the wamids of earlier attempts of this outbound message that Meta
	// accepted and then failed with its own trouble (131000 …), after which the engine sent
	// the message again: their statuses no longer describe it.
	RetractedWAMIDs []string `json:"retractedWamids,omitempty"`

	// SentBy is the user whose API call sent an outbound message, as Chatwoot's sender: an
	// agent's reply, a tenant admin's, or the platform operator's, told apart. Absent on
	// inbound messages, and on an outbound one whose record was restored from the outbox
	// after a crash (the row does not keep it).
	SentBy *MessageAuthor `json:"sentBy,omitempty"`
	// CanceledBy is the user whose cancel (POST /messages/:conversationId/:messageId/cancel)
	// kept a queued message from being sent; statusTimestamps.canceled is when. Shown only
	// while the message shows canceled: one Meta turns out to have after all (its status
	// moves on) is no longer the canceled message that user took back. Only the conversation's
	// record keeps it, as it keeps SentBy (the outbox row does not).
	CanceledBy *MessageAuthor `json:"canceledBy,omitempty"`

	// Timestamp is Meta's time of the message; CreatedAt when the engine stored it.
	Timestamp time.Time `json:"timestamp"`
	CreatedAt time.Time `json:"createdAt"`
	// RevokedAt is when the user deleted this inbound message for everyone (a revoke, on
	// coexistence numbers): its text and content are gone, as in the user's own chat.
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

// MessageAuthor is a user of the API who sent a message, or canceled one: their id and role.
type MessageAuthor struct {
	UserID string `json:"userId"`
	Role   string `json:"role"`
}

// MessageContext links a message to the one it replies to, marks it forwarded, or names the
// catalog product a customer asks about (a product inquiry).
type MessageContext struct {
	ReplyTo             string           `json:"replyTo,omitempty"`
	Forwarded           bool             `json:"forwarded,omitempty"`
	FrequentlyForwarded bool             `json:"frequentlyForwarded,omitempty"`
	ReferredProduct     *ReferredProduct `json:"referredProduct,omitempty"`
}

// ReferredProduct is the catalog item of a product inquiry: the catalog's id and the
// business's own id of the product in it.
type ReferredProduct struct {
	CatalogID         string `json:"catalogId"`
	ProductRetailerID string `json:"productRetailerId"`
}

// MessageError is Meta's error on a failed or unsupported message.
type MessageError struct {
	Code    int    `json:"code"`
	Title   string `json:"title"`
	Details string `json:"details,omitempty"`
	// Reason is whose the failure is, in a stable snake_case word a client switches on
	// (Reason* below): "meta" when Code and Title are Meta's, else the engine's own cause —
	// the message expired unsent, the customer changed number, or a queued message the
	// engine did not send because Meta would refuse it (Code then is Meta's code for that).
	// Absent on failures recorded before it existed.
	Reason string `json:"reason,omitempty"`
	// Retryable marks a failure Meta reported after accepting the message that the engine
	// may still answer by sending the message again (131000, 131016, 130429, 131056, a
	// restriction …; sender_resend.go): the failure is not final yet. Once the engine
	// decides not to (attempts or validity used up, or Meta delivered it as well) it is
	// cleared, and that change is published (OutboundResult.Final). A failure without it is
	// final.
	Retryable bool `json:"retryable,omitempty"`
}

// The reasons of a failure (MessageError.Reason). Meta's own errors are ReasonMeta; the
// others are the engine's, and match the API's error codes for the same refusal at send time
// where there is one.
const (
	// ReasonMeta: Meta's error, answering the send or in a failed status webhook.
	ReasonMeta = "meta"
	// ReasonHTTPError: an HTTP answer that is not Graph's error envelope (a proxy's or an
	// edge's refusal); Code is 0 and Title names the HTTP status.
	ReasonHTTPError = "http_error"
	// ReasonUnreachable: Meta could not be reached (a queued message's last error only).
	ReasonUnreachable = "unreachable"
	// ReasonInvalidRequest: the stored request is not a Graph send body.
	ReasonInvalidRequest = "invalid_request"
	// ReasonExpired: still unsent when its validity ended (validFor, OUTBOUND_VALIDITY).
	ReasonExpired = "expired"
	// ReasonNumberChanged: the customer changed number while the message was queued.
	ReasonNumberChanged = "number_changed"
	// ReasonMarketingOptOut, ReasonMarketingHeld, ReasonTemplateNotUsable: a queued message
	// not sent because Meta would refuse it (its code 131050, 131049, 132015/132016).
	ReasonMarketingOptOut   = "marketing_opt_out"
	ReasonMarketingHeld     = "marketing_held"
	ReasonTemplateNotUsable = "template_not_usable"
	// ReasonNotAccepted: an outbox row the API refused and withdrew (never acknowledged).
	ReasonNotAccepted = "not_accepted"
)

// metaPairRateLimit is Meta's error for too many messages to one customer in a short time
// (131056, the pair's rate limit); metaThroughput, for too many from the number (130429).
const (
	metaPairRateLimit = 131056
	metaThroughput    = 130429
)

// reasonOr is reason, or for a row or failure written without one, ReasonMeta when Meta's
// code says so.
func reasonOr(reason string, code int) string {
	if reason == "" && code != 0 {
		return ReasonMeta
	}
	return reason
}

// Pricing is what Meta charges (or not) for an outbound message.
type Pricing struct {
	Billable bool   `json:"billable"`
	Model    string `json:"model,omitempty"`
	Type     string `json:"type,omitempty"`
	Category string `json:"category,omitempty"`
}
