package actors

import (
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/cluster"
)

// Grain kinds.
const (
	KindConversation = "conversation"
	KindTenant       = "tenant"
)

// Contact is the WhatsApp user of a conversation. WaID may be empty for users known only by
// their business-scoped id (UserID, "BSUID"), who have a username and no shared phone.
type Contact struct {
	WaID     string `json:"waId,omitempty"`
	UserID   string `json:"userId,omitempty"`
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
	// MarketingOptOut is set by a user_preferences "stop" and cleared by "resume", the newest
	// by Meta's timestamp (MarketingPreferenceAt) winning whatever order they arrive in.
	MarketingOptOut       bool      `json:"marketingOptOut,omitempty"`
	MarketingPreferenceAt time.Time `json:"marketingPreferenceAt,omitzero"`
	// MarketingHeldUntil is when Meta will take a marketing message to the customer again
	// after it held one back to keep their engagement healthy (131049): a day after that
	// failure, as Meta asks ("will only result in another error" sooner).
	MarketingHeldUntil time.Time `json:"marketingHeldUntil,omitzero"`
	// ChangedNumberTo is the new wa_id the newest user_changed_number system message
	// announced, and ChangedNumberAt the notice's time: sends to this number stop until the
	// customer writes from it after then (changed_number.go).
	ChangedNumberTo string    `json:"changedNumberTo,omitempty"`
	ChangedNumberAt time.Time `json:"changedNumberAt,omitzero"`
}

// StatusUpdate is one delivery status Meta reported for an outbound message.
type StatusUpdate struct {
	WAMID        string        `json:"wamid"`
	Status       string        `json:"status"`
	Timestamp    time.Time     `json:"timestamp"`
	Error        *MessageError `json:"error,omitempty"`
	Pricing      *Pricing      `json:"pricing,omitempty"`
	CallbackData string        `json:"callbackData,omitempty"`
	// PausesSends: a failed status whose error restricts the tenant's number or account
	// (131042 payment, 131048 spam limit, 368, 131031): its sends stop, as when a send is
	// answered with the same code (131042 on a business-initiated send: those only,
	// status_refusal.go).
	PausesSends bool `json:"pausesSends,omitempty"`
	// Retryable: a failed status whose error is Meta's own trouble (131000, 131016, …): the
	// sender sends the message again (a new request, a new wamid), as it retries the same
	// code answering a send.
	Retryable bool `json:"retryable,omitempty"`
	// Placed: the webhook processor found CallbackData in the outbox, a message of this
	// conversation: held when the conversation does not have it (a record a crash lost).
	// Without it, a status naming an id the conversation does not have is not held but
	// answered back (DeliverResult.Unplaced) for the processor to place.
	Placed bool `json:"placed,omitempty"`
}

// MetaMarketingOptOut is Meta's error for a marketing message to a customer who stopped
// them (131050).
const MetaMarketingOptOut = 131050

// MetaMarketingHeld is Meta's error for a marketing message it did not deliver to keep the
// customer's engagement healthy (its per-user marketing cap, 131049), and MarketingHold how
// long Meta asks for before the next one (WHATSAPP.md §2.3: ≥ 24 h).
const (
	MetaMarketingHeld = 131049
	MarketingHold     = 24 * time.Hour
)

// PreferenceUpdate is a user_preferences change (marketing stop/resume).
type PreferenceUpdate struct {
	Category  string    `json:"category"`
	Value     string    `json:"value"`
	Timestamp time.Time `json:"timestamp"`
}

// Deliver carries one conversation's share of one webhook body, in Meta's order. It is
// idempotent: messages dedupe by wamid and statuses only ever move forward, so a retried or
// duplicated delivery changes nothing.
type Deliver struct {
	TenantID      string             `json:"tenantId"`
	PhoneNumberID string             `json:"phoneNumberId"`
	Contact       Contact            `json:"contact"`
	Messages      []Message          `json:"messages,omitempty"`
	Statuses      []StatusUpdate     `json:"statuses,omitempty"`
	Preferences   []PreferenceUpdate `json:"preferences,omitempty"`
	// Since, when set, says this delivery may repeat one applied before, no earlier than
	// Since (its inbox entry's arrival): dispatched again after a crash lost its mark, or by
	// a peer's sweep. Its messages are then deduped against every message stored since, not
	// only against the dedupe index (message_log.go recall).
	Since time.Time `json:"since,omitzero"`
}

// DeliverResult says what a Deliver changed; it is answered only once the changes are
// durable.
type DeliverResult struct {
	Added           int `json:"added"`
	Duplicates      int `json:"duplicates"`
	StatusesApplied int `json:"statusesApplied"`
	StatusesHeld    int `json:"statusesHeld"`
	StatusesIgnored int `json:"statusesIgnored"`
	// Unplaced are the statuses that carry callback data naming no message of this
	// conversation, not Placed, and that it left alone: our message in another conversation
	// (routing by wa_id or a learned alias names the customer's phone-keyed conversation,
	// the message lives in the one keyed by their BSUID), a record a crash lost, or not ours
	// at all (another app on the same WABA). The webhook processor reads the outbox row to
	// tell which (transport/webhook/place_statuses.go).
	Unplaced []StatusUpdate `json:"unplaced,omitempty"`
}

// GetConversation asks a conversation for its summary.
type GetConversation struct{}

// ListMessages asks for one page of messages: page 1 is the newest Limit messages; each page
// is ordered oldest to newest. Before, when set, pins the pages to the messages older than
// that position (a cursor: MessagePage.From of the page shown last), so messages arriving
// meanwhile do not shift them.
type ListMessages struct {
	Page   int  `json:"page"`
	Limit  int  `json:"limit"`
	Before *int `json:"before,omitempty"`
}

// MessagePage is a page of messages and how many messages the pages are counted over: the
// conversation's message count, or the messages before ListMessages.Before. From is the
// position of the page's first message (the cursor of the page after it).
type MessagePage struct {
	Messages []Message `json:"messages"`
	Total    int       `json:"total"`
	From     int       `json:"from"`
}

// GetMessage asks a conversation for one of its recent messages (lookupWindow), named by
// the engine's id (outbound) or by its wamid (either direction).
type GetMessage struct {
	ID string `json:"id"`
}

// FoundMessage answers GetMessage; Found is false when no recent message has that id.
type FoundMessage struct {
	Found   bool    `json:"found"`
	Message Message `json:"message"`
}

// MarkRead sets the unread count to zero; the read receipt to Meta is claimed apart
// (ClaimReadReceipt).
type MarkRead struct{}

// Assign gives the conversation to an agent ("" unassigns).
type Assign struct {
	AgentID string `json:"agentId"`
	// By is the user who assigns (conversation.assigned names them).
	By string `json:"by,omitempty"`
}

// ConversationSummary is a conversation as inbox lists show it. The conversation grain owns
// it; the tenant grain keeps a copy of every one for listing.
type ConversationSummary struct {
	ID            string  `json:"id"`
	TenantID      string  `json:"tenantId"`
	PhoneNumberID string  `json:"phoneNumberId,omitempty"`
	Contact       Contact `json:"contact"`
	Status        string  `json:"status"`
	AssignedTo    string  `json:"assignedTo,omitempty"`
	UnreadCount   int     `json:"unreadCount"`
	MessageCount  int     `json:"messageCount"`
	// LastMessage is the newest message, without its content.
	LastMessage *Message `json:"lastMessage,omitempty"`
	// LastInboundWAMID is the customer's newest message but reactions: what a read receipt
	// and the typing indicator name. LastReadableAt is its time (Meta's).
	LastInboundWAMID string    `json:"lastInboundWamid,omitempty"`
	LastReadableAt   time.Time `json:"lastReadableAt,omitzero"`
	LastActivityAt   time.Time `json:"lastActivityAt"`
	// LastInboundAt opens the 24-hour customer-service window (Meta's message time).
	LastInboundAt time.Time `json:"lastInboundAt,omitzero"`
	// LastInitiatedAt is when the business last sent a template while the window was
	// closed: the customer counts against Meta's messaging limit for 24 hours after.
	LastInitiatedAt time.Time `json:"lastInitiatedAt,omitzero"`
	CreatedAt       time.Time `json:"createdAt"`
	// Version grows with every durable change; the tenant keeps the highest it has seen.
	Version uint64 `json:"version"`
}

// ServiceWindow is how long after the user's last message free-form replies are allowed.
const ServiceWindow = 24 * time.Hour

// WindowOpen reports whether free-form messages may be sent at now.
func (s ConversationSummary) WindowOpen(now time.Time) bool {
	return !s.LastInboundAt.IsZero() && now.Before(s.LastInboundAt.Add(ServiceWindow))
}

// Conversation statuses an agent works with.
const (
	ConversationOpen    = "open"
	ConversationPending = "pending"
	ConversationClosed  = "closed"
)

// UpsertSummary tells the tenant grain a conversation changed.
type UpsertSummary struct {
	Summary ConversationSummary `json:"summary"`
	// Inbound is how many inbound messages the change stored: they count against the
	// number's throughput (the tenant's sender charges its pacer).
	Inbound int `json:"inbound,omitempty"`
}

// QueryConversations lists a tenant's conversations, newest activity first.
type QueryConversations struct {
	Status     string `json:"status,omitempty"`
	AssignedTo string `json:"assignedTo,omitempty"`
	// Unread: nil = any, true = only with unread messages, false = only without.
	Unread *bool  `json:"unread,omitempty"`
	Search string `json:"search,omitempty"`
	// After, when set, lists only the conversations the inbox order puts after it (a cursor:
	// the last conversation of the page shown before), and pages count from there.
	After *InboxCursor `json:"after,omitempty"`
	Page  int          `json:"page"`
	Limit int          `json:"limit"`
}

// ConversationPage is one page of summaries and the total matching.
type ConversationPage struct {
	Items []ConversationSummary `json:"items"`
	Total int                   `json:"total"`
}

// TenantEvent is a webhook change about the business rather than a conversation (template
// status and category, number quality, account and capability updates, value-level
// errors). The processor fills the member matching Field; Raw keeps Meta's value as sent.
type TenantEvent struct {
	Field      string            `json:"field"`
	WABAID     string            `json:"wabaId,omitempty"`
	Time       time.Time         `json:"time"`
	Template   *TemplateUpdate   `json:"template,omitempty"`
	Quality    *QualityUpdate    `json:"quality,omitempty"`
	Account    *AccountEvent     `json:"account,omitempty"`
	Capability map[string]string `json:"capability,omitempty"`
	Errors     []MessageError    `json:"errors,omitempty"`
	Raw        json.RawMessage   `json:"raw,omitempty"`
	// TemplateEdit names a template whose components changed
	// (message_template_components_update): the definition known may be stale.
	TemplateEdit *TemplateRef `json:"templateEdit,omitempty"`
}

// TemplateUpdate is a template's status or category change.
type TemplateUpdate struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`
	Status   string `json:"status,omitempty"`
	// Event is the message_template_status_update event that set the entry (TemplateStatusOf
	// maps it to Status); "" for an entry from a sync or another field.
	Event            string    `json:"event,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	Category         string    `json:"category,omitempty"`
	PreviousCategory string    `json:"previousCategory,omitempty"`
	CorrectCategory  string    `json:"correctCategory,omitempty"`
	CategoryChangeAt time.Time `json:"categoryChangeAt,omitzero"`
	// Params is what the template's sends take, from its definition in Meta's list (a
	// sync); nil when not known: webhooks carry no definition and keep the last known one.
	Params *TemplateParams `json:"params,omitempty"`
}

// QualityUpdate is a phone number quality or throughput change.
type QualityUpdate struct {
	DisplayPhoneNumber string `json:"displayPhoneNumber"`
	Event              string `json:"event"`
	CurrentLimit       string `json:"currentLimit,omitempty"`
	OldLimit           string `json:"oldLimit,omitempty"`
	MaxDaily           string `json:"maxDailyConversations,omitempty"`
}

// AccountEvent is an account_update event.
type AccountEvent struct {
	Event  string `json:"event"`
	Detail string `json:"detail,omitempty"`
	// Expires is when an ACCOUNT_RESTRICTION ends, as Meta reported it (zero: not said, or
	// not in a form the engine reads).
	Expires time.Time `json:"expires,omitzero"`
	// Restrictions is every entry of an ACCOUNT_RESTRICTION's restriction_info (Detail and
	// Expires are its first; events recorded before this field name only that one).
	Restrictions []AccountRestriction `json:"restrictions,omitempty"`
	// BanDate is a DISABLED_UPDATE's waba_ban_date: for SCHEDULE_FOR_DISABLE, when the ban
	// takes effect (zero: not said, or not in a form the engine reads).
	BanDate time.Time `json:"banDate,omitzero"`
}

// AccountRestriction is one restriction_info entry: its restriction_type and when it
// expires (zero: not said, or not in a form the engine reads).
type AccountRestriction struct {
	Type    string    `json:"type"`
	Expires time.Time `json:"expires,omitzero"`
}

// RecordTenantEvents hands tenant events to the tenant grain.
type RecordTenantEvents struct {
	Events []TenantEvent `json:"events"`
}

// ResolveContact asks the tenant which conversation key a user has. Sent with both ids it
// teaches the tenant the alias; with only UserID it asks for the phone key learned before.
type ResolveContact struct {
	WaID   string `json:"waId,omitempty"`
	UserID string `json:"userId"`
}

// ContactKey answers ResolveContact.
type ContactKey struct {
	Key string `json:"key"`
}

// GetTenantState asks for the tenant's WhatsApp state (templates, quality, events).
type GetTenantState struct{}

// RecordOutbound stores a message the business sent (or is about to send). Idempotent by
// Message.ID. Statuses Meta reported before the engine knew the wamid are applied now. The
// conversation answers once the message is in memory and writes it behind: the message's
// durable promise is its outbox row, and the sender's OutboundResult restores a lost record.
type RecordOutbound struct {
	Message Message `json:"message"`
}

// Ack answers commands with nothing to say.
type Ack struct{}

// Codec returns the envelope codec knowing every message of this package.
func Codec() *cluster.Codec {
	c := cluster.NewCodec()
	for name, v := range map[string]any{
		"actors.Deliver": Deliver{}, "actors.DeliverResult": DeliverResult{},
		"actors.GetConversation": GetConversation{}, "actors.ListMessages": ListMessages{},
		"actors.MessagePage": MessagePage{}, "actors.MarkRead": MarkRead{}, "actors.Assign": Assign{},
		"actors.ConversationSummary": ConversationSummary{}, "actors.UpsertSummary": UpsertSummary{},
		"actors.NumberChangeNoted":  NumberChangeNoted{},
		"actors.QueryConversations": QueryConversations{}, "actors.ConversationPage": ConversationPage{},
		"actors.RecordTenantEvents": RecordTenantEvents{}, "actors.ResolveContact": ResolveContact{},
		"actors.ContactKey": ContactKey{}, "actors.GetTenantState": GetTenantState{},
		"actors.TenantState": TenantState{}, "actors.Ack": Ack{},
		"actors.RecordOutbound": RecordOutbound{}, "actors.GetMessage": GetMessage{},
		"actors.FoundMessage": FoundMessage{}, "actors.ClaimReadReceipt": ClaimReadReceipt{},
		"actors.ReadReceiptClaim": ReadReceiptClaim{}, "actors.ReadReceiptSent": ReadReceiptSent{},
	} {
		c.Register(name, v)
	}
	registerOutbound(c.Register)
	return c
}
