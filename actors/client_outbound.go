package actors

import (
	"context"

	"github.com/switchboard/switchboard/persistence"
)

// PrepareSend asks the tenant whether it may send now (a template send names its
// template) and returns the sending number; a refusal is a *SendRefusedError.
func (c *Client) PrepareSend(ctx context.Context, tenantID string, template *TemplateRef) (*SendTicket, error) {
	return call[SendTicket](ctx, c, KindTenant, tenantID, &PrepareSend{Template: template})
}

// QueueOutbound is a send the API accepted (QueueOutbound): the tenant checks it may send,
// stores q.Message in the outbox and has the conversation record q.Record; it returns once
// the message is durable. A refusal is a *SendRefusedError (FailureIdempotencyReused when
// the id is taken by another request), or ErrWindowUnvouched.
func (c *Client) QueueOutbound(ctx context.Context, q *QueueOutbound) (*Queued, error) {
	return call[Queued](ctx, c, KindTenant, q.Message.TenantID, q)
}

// SubmitOutbound hands a message stored queued in the outbox to its tenant's sender.
func (c *Client) SubmitOutbound(ctx context.Context, m persistence.OutboxMessage) error {
	_, err := call[Ack](ctx, c, KindTenant, m.TenantID, &SubmitOutbound{Message: m})
	return err
}

// CancelOutbound cancels a queued message of the conversation on behalf of by; it returns
// the canceled row once durable. Too late is a *NotCancelableError, a message not in that
// conversation ErrNotFound.
func (c *Client) CancelOutbound(ctx context.Context, tenantID, conversationID, messageID string, by *MessageAuthor) (*Canceled, error) {
	return call[Canceled](ctx, c, KindTenant, tenantID, &CancelOutbound{MessageID: messageID, ConversationID: conversationID, By: by})
}

// WakeOutbound activates a tenant so it resumes its outbox.
func (c *Client) WakeOutbound(ctx context.Context, tenantID string) error {
	_, err := call[Ack](ctx, c, KindTenant, tenantID, &WakeOutbound{})
	return err
}
