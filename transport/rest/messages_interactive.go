package rest

import (
	"context"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

type sendInteractiveRequest struct {
	sendOptions
	ConversationID string                   `json:"conversationId"`
	Interactive    *graph.InteractiveObject `json:"interactive"`
	ReplyTo        string                   `json:"replyTo"`
}

// sendInteractive is POST /messages/send-interactive: reply buttons (up to three) or a list
// (up to ten rows), in Meta's own interactive object, checked against Meta's rules
// (graph.ValidateInteractive) so a bad one is a 400 here rather than a failed message later.
// The customer's tap comes back as an inbound button_reply or list_reply. Free-form: only
// inside the customer's 24-hour window.
func (s *Server) sendInteractive(ctx *fasthttp.RequestCtx, c context.Context) {
	var req sendInteractiveRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	normalizeInteractive(req.Interactive)
	details := append(conversationIDDetail(req.ConversationID), interactiveDetails(req.Interactive)...)
	s.sendFreeForm(ctx, c, details, req.ConversationID, req.sendOptions, req.ReplyTo, func(sr *graph.SendRequest) *graph.SendRequest {
		return sr.WithInteractive(*req.Interactive)
	})
}

// normalizeInteractive lowercases the type names of in (the message's, its header's, its
// buttons'), in place: Meta takes only "button", "text", "reply" and refuses "REPLY" (its
// own error names the value in capitals, "must be one of {REPLY}", which invites the
// mistake). The names are an enum whose case carries nothing, so taking any case and sending
// Meta's is harmless; anything else is still refused, naming the field.
func normalizeInteractive(in *graph.InteractiveObject) {
	if in == nil {
		return
	}
	in.Type = strings.ToLower(in.Type)
	if in.Header != nil {
		in.Header.Type = strings.ToLower(in.Header.Type)
	}
	for i := range in.Action.Buttons {
		in.Action.Buttons[i].Type = strings.ToLower(in.Action.Buttons[i].Type)
	}
}

func interactiveDetails(in *graph.InteractiveObject) []httpx.Detail {
	if in != nil && in.Type != graph.InteractiveButton && in.Type != graph.InteractiveList {
		return []httpx.Detail{{Field: "interactive.type", Message: "must be button or list"}}
	}
	var details []httpx.Detail
	headerTold := false
	for _, p := range graph.InteractiveProblems(in) {
		msg := p.Rule
		if p.Required {
			msg = "is required"
		}
		details = append(details, httpx.Detail{Field: p.FieldPath(), Message: msg})
		headerTold = headerTold || (len(p.Path) > 1 && p.Path[1] == "header")
	}
	// graph checked the header's type and that its media is there; what its link or id must
	// look like is checked as send-media checks it, unless the header was found wrong already.
	// Those details come last (after the action's), and the whole stays within the bound.
	if in != nil && in.Header != nil && !headerTold {
		h := in.Header
		if media, _ := h.Media(); media != nil {
			field := "interactive.header." + h.Type
			details = append(details, mediaSourceDetails(media.Link, media.ID, field+".link", field+".id")...)
		}
	}
	return details[:min(len(details), graph.MaxInteractiveProblems)]
}
