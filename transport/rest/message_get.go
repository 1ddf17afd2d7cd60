package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/httpx"
)

// maxMessageIDLen bounds the :messageId parameter: the engine's ids and Meta's wamids are
// far shorter, and a longer one names nothing.
const maxMessageIDLen = 256

// messageDetail is GET /messages/:conversationId/:messageId: one message as the list shows
// it, and for an outbound message its way to Meta as the outbox has it — what a client
// polling a send (Twilio's "fetch a message") needs to see why it is still queued.
type messageDetail struct {
	Message outboundView `json:"message"`
	// Delivery is the message's outbox row, absent once the row is pruned (OUTBOX_RETENTION
	// after it settled; the message keeps its status). The retry's message.status event
	// carries the same (actors.MessageEvent).
	Delivery *actors.Delivery `json:"delivery,omitempty"`
}

// messageOf resolves the :conversationId and :messageId parameters: another tenant's
// conversation, and an id too long to be one, are not found.
func (s *Server) messageOf(ctx *fasthttp.RequestCtx) (tenantID, key, id string, err error) {
	if tenantID, key, err = s.conversationOf(ctx, "conversationId"); err != nil {
		return "", "", "", err
	}
	id, ok := pathParam(ctx, "messageId")
	if !ok || len(id) > maxMessageIDLen {
		return "", "", "", httpx.NotFound("Message")
	}
	return tenantID, key, id, nil
}

// getMessage answers one of a conversation's last 1,024 messages (the dedupe window),
// named by the id the send answered or by its wamid.
func (s *Server) getMessage(ctx *fasthttp.RequestCtx, c context.Context) {
	tenantID, key, id, err := s.messageOf(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	found, err := s.opts.Actors.Message(c, tenantID, key, id)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if !found.Found {
		s.fail(ctx, httpx.NotFound("Message"))
		return
	}
	conv := actors.ConversationID(tenantID, key)
	detail := messageDetail{Message: outboundView{Message: found.Message, ConversationID: conv}}
	if found.Message.Direction == actors.Outbound {
		row, err := s.opts.Store.Outbox().Get(c, found.Message.ID)
		switch {
		case err == nil && row.TenantID == tenantID && row.ConversationID == conv:
			detail.Delivery = actors.DeliveryShown(row, found.Message, s.pausedUntil(c, tenantID, row))
			if s.opts.OutboundValidity > 0 {
				detail.Delivery.ExpiresBy(row.CreatedAt.Add(s.opts.OutboundValidity))
			}
		case err != nil && !errors.Is(err, persistence.ErrNotFound):
			s.fail(ctx, fmt.Errorf("rest: outbox row of %s: %w", found.Message.ID, err))
			return
		}
	}
	httpx.OK(ctx, http.StatusOK, "Message", detail)
}

// pausedUntil is when the tenant's paused sends resume, asked of the tenant only for a
// queued row (the one whose delivery shows a next attempt); zero when not paused, or when
// the tenant cannot say (the delivery then shows the row's own time).
func (s *Server) pausedUntil(c context.Context, tenantID string, row persistence.OutboxMessage) time.Time {
	if row.State != persistence.OutboxQueued {
		return time.Time{}
	}
	st, err := s.opts.Actors.SendingStatus(c, tenantID)
	if err != nil || st == nil {
		return time.Time{}
	}
	return st.PausedUntil
}
