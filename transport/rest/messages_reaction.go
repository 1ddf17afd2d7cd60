package rest

import (
	"context"
	"fmt"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

type sendReactionRequest struct {
	sendOptions
	ConversationID string  `json:"conversationId"`
	MessageID      string  `json:"messageId"`
	Emoji          *string `json:"emoji"`
}

// sendReaction is POST /messages/send-reaction: an emoji on a message of the conversation
// (its wamid), or "" to take the reaction back. Meta sends it like any free-form message:
// only inside the customer's 24-hour window.
func (s *Server) sendReaction(ctx *fasthttp.RequestCtx, c context.Context) {
	var req sendReactionRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	details := conversationIDDetail(req.ConversationID)
	if req.MessageID == "" {
		details = append(details, httpx.Detail{Field: "messageId", Message: "is required"})
	} else if d := replyToDetail(req.MessageID); d != nil {
		details = append(details, httpx.Detail{Field: "messageId", Message: d[0].Message})
	}
	switch {
	case req.Emoji == nil:
		details = append(details, httpx.Detail{Field: "emoji", Message: `is required ("" removes the reaction)`})
	case !oneEmoji(*req.Emoji):
		details = append(details, httpx.Detail{Field: "emoji", Message: "must be one emoji"})
	}
	s.sendFreeFormChecked(ctx, c, details, req.ConversationID, req.sendOptions, s.ownMessage("messageId", req.MessageID), func(sr *graph.SendRequest) *graph.SendRequest {
		return sr.WithReaction(req.MessageID, *req.Emoji)
	})
}

// ownMessage refuses a send naming (in field) a wamid that is not one of the conversation's
// own messages — a reaction's target, a reply's quoted message: Meta's wamids are not
// secret (they travel in every webhook and receipt), and without this an agent could have
// the tenant's number react to or quote, in this customer's chat, a message of another
// conversation — another tenant's included. The conversation finds its message among its
// last 1,024 (the lookup window of GET /messages/:id/:messageId).
func (s *Server) ownMessage(field, wamid string) conversationCheck {
	return func(c context.Context, tenantID, key string) error {
		found, err := s.opts.Actors.Message(c, tenantID, key, wamid)
		if err != nil {
			return fmt.Errorf("rest: %s %s: %w", field, wamid, err)
		}
		if !found.Found || found.Message.WAMID != wamid {
			return httpx.Validation(httpx.Detail{Field: field,
				Message: "is not the wamid of a message of this conversation (one of its last 1,024 messages)"})
		}
		return nil
	}
}
