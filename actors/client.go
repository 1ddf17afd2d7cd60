package actors

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/cluster"
)

// Errors the Client returns for the transport layer to map.
var (
	ErrNotFound    = errors.New("actors: not found")
	ErrUnavailable = errors.New("actors: unavailable")
	ErrInvalid     = errors.New("actors: invalid request")
	// ErrWindowUnvouched: the tenant could not vouch for the customer's 24-hour window
	// (QueueOutbound); the conversation's own summary decides.
	ErrWindowUnvouched = errors.New("actors: the tenant cannot vouch for the service window")
)

// NotCancelableError is a cancel that came too late (CancelOutbound): Reason says where the
// message is ("the message is on its way to Meta").
type NotCancelableError struct{ Reason string }

func (e *NotCancelableError) Error() string {
	return "actors: the message can no longer be canceled: " + e.Reason
}

// SendRefusedError is a tenant refusing a send now (PrepareSend): Code is one of the
// FailureSend… codes, Reason a sentence for the API client.
type SendRefusedError struct {
	Code   string
	Reason string
	// RetryAfter, when positive, is how many seconds the refusal is expected to hold.
	RetryAfter int
	// Details name the parts of the request at fault (FailureTemplateParams).
	Details []cluster.FailureDetail
}

func (e *SendRefusedError) Error() string {
	return "actors: send refused (" + e.Code + "): " + e.Reason
}

// Client is how the transport layer talks to grains: typed calls over cluster.Call.
type Client struct {
	node *cluster.Node
}

// NewClient wraps a started node.
func NewClient(node *cluster.Node) *Client { return &Client{node: node} }

func call[T any](ctx context.Context, c *Client, kind, identity string, req any) (*T, error) {
	v, err := c.node.Call(ctx, kind, identity, req)
	if err != nil {
		var f *cluster.Failure
		if errors.As(err, &f) {
			switch f.Code {
			case FailureNotFound:
				return nil, fmt.Errorf("%w: %s/%s", ErrNotFound, kind, identity)
			case FailureInvalid, cluster.FailureUnknownType:
				return nil, fmt.Errorf("%w: %s", ErrInvalid, f.Message)
			case FailureNotConfigured, FailureTenantInactive, FailureNeedsReauth, FailureSendingPaused, FailureTemplate,
				FailureTemplateParams, FailureMarketingOptOut, FailureMarketingHeld, FailureNumberChanged, FailureIdempotencyReused, FailureQueueFull, FailureMessagingLimit,
				FailureRecipientIsSender:
				return nil, &SendRefusedError{Code: f.Code, Reason: f.Message, RetryAfter: f.RetryAfter, Details: f.Details}
			case FailureWindowUnvouched:
				return nil, fmt.Errorf("%w: %s", ErrWindowUnvouched, f.Message)
			case FailureNotCancelable:
				return nil, &NotCancelableError{Reason: f.Message}
			}
		}
		return nil, fmt.Errorf("%w: %s/%s: %w", ErrUnavailable, kind, identity, err)
	}
	t, ok := v.(*T)
	if !ok {
		return nil, fmt.Errorf("%w: %s/%s answered %T", ErrUnavailable, kind, identity, v)
	}
	return t, nil
}

// Deliver hands one conversation its share of a webhook and returns once it is durable.
func (c *Client) Deliver(ctx context.Context, contactKey string, d *Deliver) (*DeliverResult, error) {
	return call[DeliverResult](ctx, c, KindConversation, ConversationIdentity(d.TenantID, contactKey), d)
}

// Conversation returns a conversation's summary.
func (c *Client) Conversation(ctx context.Context, tenantID, contactKey string) (*ConversationSummary, error) {
	return call[ConversationSummary](ctx, c, KindConversation, ConversationIdentity(tenantID, contactKey), &GetConversation{})
}

// Messages returns a page of a conversation's messages.
func (c *Client) Messages(ctx context.Context, tenantID, contactKey string, q ListMessages) (*MessagePage, error) {
	return call[MessagePage](ctx, c, KindConversation, ConversationIdentity(tenantID, contactKey), &q)
}

// Message finds one of a conversation's recent messages by our id or its wamid.
func (c *Client) Message(ctx context.Context, tenantID, contactKey, id string) (*FoundMessage, error) {
	return call[FoundMessage](ctx, c, KindConversation, ConversationIdentity(tenantID, contactKey), &GetMessage{ID: id})
}

// MarkRead zeroes the unread count and returns the summary.
func (c *Client) MarkRead(ctx context.Context, tenantID, contactKey string) (*ConversationSummary, error) {
	return call[ConversationSummary](ctx, c, KindConversation, ConversationIdentity(tenantID, contactKey), &MarkRead{})
}

// ClaimReadReceipt asks which inbound message a read receipt (or typing indicator) should
// name; WAMID "" when Meta needs none. Tell the answer with ReadReceiptSent.
func (c *Client) ClaimReadReceipt(ctx context.Context, tenantID, contactKey string, m *ClaimReadReceipt) (*ReadReceiptClaim, error) {
	return call[ReadReceiptClaim](ctx, c, KindConversation, ConversationIdentity(tenantID, contactKey), m)
}

// ReadReceiptSent tells the conversation Meta's answer to a claimed receipt; it returns once
// an accepted one is durable.
func (c *Client) ReadReceiptSent(ctx context.Context, tenantID, contactKey string, m *ReadReceiptSent) error {
	_, err := call[Ack](ctx, c, KindConversation, ConversationIdentity(tenantID, contactKey), m)
	return err
}

// Assign gives the conversation to agentID (by the user by) and returns the summary.
func (c *Client) Assign(ctx context.Context, tenantID, contactKey, agentID, by string) (*ConversationSummary, error) {
	return call[ConversationSummary](ctx, c, KindConversation, ConversationIdentity(tenantID, contactKey), &Assign{AgentID: agentID, By: by})
}

// Conversations lists a tenant's conversations.
func (c *Client) Conversations(ctx context.Context, tenantID string, q *QueryConversations) (*ConversationPage, error) {
	return call[ConversationPage](ctx, c, KindTenant, tenantID, q)
}

// RecordTenantEvents hands tenant-level webhook events to the tenant.
func (c *Client) RecordTenantEvents(ctx context.Context, tenantID string, events []TenantEvent) error {
	_, err := call[Ack](ctx, c, KindTenant, tenantID, &RecordTenantEvents{Events: events})
	return err
}

// ResolveContact returns the conversation key for a user (see ResolveContact).
func (c *Client) ResolveContact(ctx context.Context, tenantID, waID, userID string) (string, error) {
	k, err := call[ContactKey](ctx, c, KindTenant, tenantID, &ResolveContact{WaID: waID, UserID: userID})
	if err != nil {
		return "", err
	}
	return k.Key, nil
}

// TenantState returns the tenant's WhatsApp state.
func (c *Client) TenantState(ctx context.Context, tenantID string) (*TenantState, error) {
	return call[TenantState](ctx, c, KindTenant, tenantID, &GetTenantState{})
}

// RecordOutbound stores an outbound message in its conversation and returns the summary.
func (c *Client) RecordOutbound(ctx context.Context, tenantID, contactKey string, m Message) (*ConversationSummary, error) {
	return call[ConversationSummary](ctx, c, KindConversation, ConversationIdentity(tenantID, contactKey), &RecordOutbound{Message: m})
}
