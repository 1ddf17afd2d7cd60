package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// maxTextBody is Meta's limit on a text message body, in characters.
const maxTextBody = 4096

type sendTextRequest struct {
	ConversationID string  `json:"conversationId"`
	Body           *string `json:"body"`
	PreviewURL     *bool   `json:"previewUrl"`
	ReplyTo        string  `json:"replyTo"`
}

// sendText is POST /messages/send: a free-form text reply, allowed only inside the
// customer's 24-hour service window.
func (s *Server) sendText(ctx *fasthttp.RequestCtx, c context.Context) {
	var req sendTextRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	var details []httpx.Detail
	details = append(details, conversationIDDetail(req.ConversationID)...)
	switch {
	case req.Body == nil:
		details = append(details, httpx.Detail{Field: "body", Message: "is required"})
	case strings.TrimSpace(*req.Body) == "":
		details = append(details, httpx.Detail{Field: "body", Message: "must not be empty"})
	case utf8.RuneCountInString(*req.Body) > maxTextBody:
		details = append(details, httpx.Detail{Field: "body", Message: fmt.Sprintf("must be at most %d characters", maxTextBody)})
	}
	if req.ReplyTo != "" && (!strings.HasPrefix(req.ReplyTo, "wamid.") || len(req.ReplyTo) > 512) {
		details = append(details, httpx.Detail{Field: "replyTo", Message: "must be the wamid of a message of the conversation"})
	}
	tenantID, key, ticket, ok := s.admitSend(ctx, c, details, req.ConversationID, nil)
	if !ok {
		return
	}
	sum, err := s.opts.Actors.Conversation(c, tenantID, key)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	if now := time.Now(); !sum.WindowOpen(now) {
		msg := "The customer has not written in the last 24 hours, so WhatsApp only allows an approved template: use POST /api/v1/messages/send-template"
		if !sum.LastInboundAt.IsZero() {
			msg = fmt.Sprintf("The 24-hour customer service window closed at %s; WhatsApp only allows an approved template now: use POST /api/v1/messages/send-template",
				sum.LastInboundAt.Add(actors.ServiceWindow).UTC().Format(time.RFC3339))
		}
		s.fail(ctx, httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeWindowClosed, msg))
		return
	}
	sr := recipientRequest(sum.Contact, key)
	if req.PreviewURL != nil {
		sr.WithTextPreview(*req.Body, *req.PreviewURL)
	} else {
		sr.WithText(*req.Body)
	}
	if req.ReplyTo != "" {
		sr.InReplyTo(req.ReplyTo)
	}
	s.queueSend(ctx, c, tenantID, key, ticket, sr)
}

type sendTemplateRequest struct {
	ConversationID string                    `json:"conversationId"`
	TemplateName   string                    `json:"templateName"`
	Language       string                    `json:"language"`
	Components     []graph.TemplateComponent `json:"components"`
}

// sendTemplate is POST /messages/send-template: an approved template, the only message
// WhatsApp allows outside the window — so it may also open a conversation with a customer
// who never wrote.
func (s *Server) sendTemplate(ctx *fasthttp.RequestCtx, c context.Context) {
	var req sendTemplateRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	details := conversationIDDetail(req.ConversationID)
	details = append(details, templateDetails(req.TemplateName, req.Language, req.Components)...)
	tenantID, key, ticket, ok := s.admitSend(ctx, c, details, req.ConversationID, &actors.TemplateRef{Name: req.TemplateName, Language: req.Language})
	if !ok {
		return
	}
	var contact actors.Contact
	switch sum, err := s.opts.Actors.Conversation(c, tenantID, key); {
	case err == nil:
		contact = sum.Contact
	case !errors.Is(err, actors.ErrNotFound):
		s.fail(ctx, err)
		return
	}
	sr := recipientRequest(contact, key).WithTemplate(graph.NewTemplate(req.TemplateName, req.Language, req.Components...))
	s.queueSend(ctx, c, tenantID, key, ticket, sr)
}

// admitSend is what both sends check before anything else: the request's validation
// details (400), the conversation (another tenant's is a 404), and the tenant's consent to
// send now (PrepareSend; a template send names its template). On a refusal it has answered
// the request and ok is false.
func (s *Server) admitSend(ctx *fasthttp.RequestCtx, c context.Context, details []httpx.Detail, conversationID string,
	template *actors.TemplateRef) (tenantID, key string, ticket *actors.SendTicket, ok bool) {
	if len(details) > 0 {
		s.fail(ctx, httpx.Validation(details...))
		return "", "", nil, false
	}
	tenantID, key, err := s.visibleConversation(ctx, conversationID)
	if err == nil {
		ticket, err = s.opts.Actors.PrepareSend(c, tenantID, template)
	}
	if err != nil {
		s.fail(ctx, err)
		return "", "", nil, false
	}
	return tenantID, key, ticket, true
}

// visibleConversation resolves a conversation id from a request body; other tenants' ids
// and malformed ones are the same 404 as missing ones (as conversationOf does for paths).
func (s *Server) visibleConversation(ctx *fasthttp.RequestCtx, id string) (tenantID, key string, err error) {
	tenantID, key, ok := actors.ParseConversationID(id)
	if !ok || !principalOf(ctx).CanSeeTenant(tenantID) {
		return "", "", httpx.NotFound("Conversation")
	}
	return tenantID, key, nil
}

func conversationIDDetail(id string) []httpx.Detail {
	if strings.TrimSpace(id) == "" {
		return []httpx.Detail{{Field: "conversationId", Message: "is required"}}
	}
	return nil
}

// recipientRequest addresses the conversation's customer: by phone (with + and country
// code, so Meta never prepends the business's) or, for users known only by their
// business-scoped id, by that id.
func recipientRequest(ct actors.Contact, key string) *graph.SendRequest {
	waID := ct.WaID
	if waID == "" && !strings.Contains(key, ".") {
		waID = key
	}
	if waID != "" {
		return graph.NewMessage("+" + waID)
	}
	userID := ct.UserID
	if userID == "" {
		userID = key
	}
	return graph.NewMessageToUser(userID)
}

// queueSend hands the message to its tenant, which stores it in the outbox (queued, or
// claimed when it leaves at once), then records it in its conversation and answers 202 with
// it. The outbox write comes first: it is the promise to send. If the conversation then
// cannot record it, the promise is withdrawn (queued → failed, conditional) and the client
// told to retry — unless the sender already took it, in which case it goes out and the
// sender restores the conversation's record.
func (s *Server) queueSend(ctx *fasthttp.RequestCtx, c context.Context, tenantID, key string, ticket *actors.SendTicket, sr *graph.SendRequest) {
	id := s.opts.IDs.New()
	sr.WithCallbackData(id)
	body, err := json.Marshal(sr)
	if err != nil {
		s.fail(ctx, fmt.Errorf("rest: encode send request: %w", err))
		return
	}
	now := time.Now().UTC()
	msg, err := actors.OutboundMessage(id, body, now)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	row := persistence.OutboxMessage{
		ID: id, TenantID: tenantID, ConversationID: actors.ConversationID(tenantID, key),
		PhoneNumberID: ticket.PhoneNumberID, Recipient: sr.To + sr.Recipient, State: persistence.OutboxQueued,
		Request: body, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.opts.Actors.QueueOutbound(c, row); err != nil {
		s.fail(ctx, fmt.Errorf("rest: queue %s: %w", id, err))
		return
	}
	if _, err := s.opts.Actors.RecordOutbound(c, tenantID, key, msg); err != nil {
		withdrawn := row
		withdrawn.State, withdrawn.ErrorTitle, withdrawn.UpdatedAt = persistence.OutboxFailed, "not accepted: the conversation could not record it", time.Now().UTC()
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		werr := s.opts.Store.Outbox().Transition(wctx, persistence.OutboxQueued, withdrawn)
		cancel()
		if werr == nil || !errors.Is(werr, persistence.ErrVersionConflict) {
			s.opts.Logger.Warn("send not recorded; withdrawn", "message", id, "err", err, "withdraw_err", werr)
			s.fail(ctx, err)
			return
		}
	}
	msg.CreatedAt = now
	httpx.OK(ctx, http.StatusAccepted, "Message queued", map[string]any{"message": outboundView{Message: msg, ConversationID: row.ConversationID}})
}

// outboundView is a queued message as the API shows it.
type outboundView struct {
	actors.Message
	ConversationID string `json:"conversationId"`
}
