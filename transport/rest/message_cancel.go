package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/transport/httpx"
)

// cancelMessage cancels an outbound message still queued (Twilio's "cancel a message"): it
// will never be sent, and shows status canceled. The answer comes once the cancel is durable;
// a message already on its way to Meta, of unknown fate, or settled is a 409 not_cancelable.
func (s *Server) cancelMessage(ctx *fasthttp.RequestCtx, c context.Context) {
	tenantID, key, id, err := s.messageOf(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	conv := actors.ConversationID(tenantID, key)
	res, err := s.opts.Actors.CancelOutbound(c, tenantID, conv, id, authorOf(ctx))
	var late *actors.NotCancelableError
	switch {
	case errors.As(err, &late):
		s.fail(ctx, notCancelable(upperFirst(late.Reason)))
		return
	case errors.Is(err, actors.ErrNotFound):
		detail, err := s.noOutboxRow(c, tenantID, key, id)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		httpx.OK(ctx, http.StatusOK, "Message canceled", detail)
		return
	case err != nil:
		s.fail(ctx, err)
		return
	}
	m, err := actors.StoredOutbound(res.Message)
	if err != nil {
		s.fail(ctx, fmt.Errorf("rest: canceled %s: %w", id, err))
		return
	}
	m.CanceledBy = res.By
	if m.CanceledBy == nil {
		m.CanceledBy = s.firstCanceller(c, tenantID, key, id)
	}
	httpx.OK(ctx, http.StatusOK, "Message canceled", messageDetail{
		Message: outboundView{Message: m, ConversationID: conv}, Delivery: actors.DeliveryOf(res.Message)})
}

// firstCanceller is who canceled a message canceled before this repeat of its cancel, as
// its conversation's record keeps them (the outbox row does not). Nil when the record cannot
// be read: the cancel stands, and the answer then does not name the canceller — a repeat
// must not fail for what is only the answer's detail.
func (s *Server) firstCanceller(c context.Context, tenantID, key, id string) *actors.MessageAuthor {
	found, err := s.opts.Actors.Message(c, tenantID, key, id)
	if err != nil || !found.Found {
		return nil
	}
	return found.Message.CanceledBy
}

// noOutboxRow answers a cancel the outbox could not find: an outbound message whose row
// retention pruned (settled long ago) is canceled already if its conversation says so — a
// repeat succeeds, as the tenant answers one whose row is still kept — and otherwise not
// cancelable, as is an inbound message; anything else is not a message of this conversation.
func (s *Server) noOutboxRow(c context.Context, tenantID, key, id string) (messageDetail, error) {
	found, err := s.opts.Actors.Message(c, tenantID, key, id)
	switch {
	case err != nil:
		return messageDetail{}, err
	case !found.Found:
		return messageDetail{}, httpx.NotFound("Message")
	case found.Message.Direction == actors.Inbound:
		return messageDetail{}, notCancelable("Only outbound messages can be canceled")
	case found.Message.Status == actors.StatusCanceled:
		return messageDetail{Message: outboundView{Message: found.Message, ConversationID: actors.ConversationID(tenantID, key)}}, nil
	}
	return messageDetail{}, notCancelable("The message is " + found.Message.Status)
}

func notCancelable(message string) error {
	return httpx.NewError(http.StatusConflict, httpx.CodeNotCancelable, message+"; only a message still queued can be canceled")
}
