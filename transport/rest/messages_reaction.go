package rest

import (
	"context"

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
	s.sendFreeForm(ctx, c, details, req.ConversationID, req.sendOptions, func(sr *graph.SendRequest) *graph.SendRequest {
		return sr.WithReaction(req.MessageID, *req.Emoji)
	})
}
