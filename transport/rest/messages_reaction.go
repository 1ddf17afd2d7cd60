package rest

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// maxEmojiRunes bounds a reaction: one emoji, however composed (a family with skin tones
// joined by zero-width joiners is about ten code points).
const maxEmojiRunes = 16

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
	case !emojiLike(*req.Emoji):
		details = append(details, httpx.Detail{Field: "emoji", Message: "must be one emoji"})
	}
	s.sendFreeForm(ctx, c, details, req.ConversationID, req.sendOptions, func(sr *graph.SendRequest) *graph.SendRequest {
		return sr.WithReaction(req.MessageID, *req.Emoji)
	})
}

// emojiLike accepts "" (a removal) or a short run of non-ASCII code points: no letters,
// spaces or punctuation of a sentence. The one ASCII start an emoji has is a keycap (1️⃣:
// a digit, # or *, then U+FE0F U+20E3).
func emojiLike(s string) bool {
	if utf8.RuneCountInString(s) > maxEmojiRunes || !utf8.ValidString(s) {
		return false
	}
	keycap := strings.HasSuffix(s, "\u20e3") && strings.ContainsAny(s[:1], "0123456789#*")
	for i, r := range s {
		if r < 0x80 && !(keycap && i == 0) {
			return false
		}
	}
	return true
}
