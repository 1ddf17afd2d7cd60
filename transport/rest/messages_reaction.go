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
// (by its id or wamid: quoted), or "" to take the reaction back. Meta sends it like any free-form message:
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
	}
	switch {
	case req.Emoji == nil:
		details = append(details, httpx.Detail{Field: "emoji", Message: `is required ("" removes the reaction)`})
	case !oneEmoji(*req.Emoji):
		details = append(details, httpx.Detail{Field: "emoji", Message: "must be one emoji"})
	}
	q := &quoted{field: "messageId", ref: req.MessageID, reaction: true}
	s.sendFreeFormQuoting(ctx, c, details, req.ConversationID, req.sendOptions, q, func(sr *graph.SendRequest) *graph.SendRequest {
		return sr.WithReaction(q.wamid, *req.Emoji)
	})
}
