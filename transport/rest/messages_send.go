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
	sendOptions
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
	s.sendFreeForm(ctx, c, details, req.ConversationID, req.sendOptions, req.ReplyTo, func(sr *graph.SendRequest) *graph.SendRequest {
		// false is Meta's default: sent as if left out, so the same message asked for both
		// ways is the same request (an Idempotency-Key repeat adding "previewUrl": false
		// was a 422 idempotency_key_reused).
		if req.PreviewURL != nil && *req.PreviewURL {
			return sr.WithTextPreview(*req.Body, true)
		}
		return sr.WithText(*req.Body)
	})
}

// sendFreeForm sends what compose builds on the customer's address: any message but a
// template, so only inside the customer's 24-hour service window. details are the request's
// validation failures so far. replyTo, when not empty, is the message the send quotes, by
// its id or wamid (quoted): one of the conversation's own messages. That check costs a
// conversation call, so only a reply pays it.
func (s *Server) sendFreeForm(ctx *fasthttp.RequestCtx, c context.Context, details []httpx.Detail, conversationID string,
	opts sendOptions, replyTo string, compose func(*graph.SendRequest) *graph.SendRequest) {
	if replyTo == "" {
		s.sendFreeFormQuoting(ctx, c, details, conversationID, opts, nil, compose)
		return
	}
	q := &quoted{field: "replyTo", ref: replyTo}
	s.sendFreeFormQuoting(ctx, c, details, conversationID, opts, q, func(sr *graph.SendRequest) *graph.SendRequest {
		return compose(sr).InReplyTo(q.wamid)
	})
}

// sendFreeFormQuoting is sendFreeForm with q, when not nil, the message the send names:
// resolved to its wamid before compose runs, after a repeated Idempotency-Key is answered
// (which compares q as the client named it: replayed), and checked after that too (the
// first try passed the check).
func (s *Server) sendFreeFormQuoting(ctx *fasthttp.RequestCtx, c context.Context, details []httpx.Detail, conversationID string,
	opts sendOptions, q *quoted, compose func(*graph.SendRequest) *graph.SendRequest) {
	if q != nil {
		details = append(details, q.refDetail()...)
	}
	tenantID, key, ok := s.admitSend(ctx, append(details, opts.details()...), conversationID)
	if !ok {
		return
	}
	if s.replayed(ctx, c, tenantID, key, opts, compose, q) {
		return
	}
	if q != nil {
		if err := q.resolve(c, s, tenantID, key); err != nil {
			s.fail(ctx, err)
			return
		}
		if err := q.check(c, s, tenantID, key, time.Now()); err != nil {
			s.fail(ctx, err)
			return
		}
	}
	// The customer's window: the tenant vouches for it from its copy of the summary, so the
	// conversation is asked only when that copy cannot (queueSend), or when the recipient
	// needs the contact anyway.
	var contact *actors.Contact
	if needsContact(key) {
		sum, err := s.opts.Actors.Conversation(c, tenantID, key)
		if err != nil {
			s.fail(ctx, err)
			return
		}
		if err := freeFormCheck(sum); err != nil {
			s.fail(ctx, err)
			return
		}
		contact = &sum.Contact
	}
	s.queueSend(ctx, c, tenantID, key, compose(recipientRequest(contact, key)), nil, contact == nil, opts)
}

// freeFormCheck is what a conversation read fresh says of a free-form send: a customer who
// changed number is followed to their new conversation (as the tenant refuses such sends,
// without a read), then the window is checked.
func freeFormCheck(sum *actors.ConversationSummary) error {
	if err := actors.NumberChanged(sum); err != nil {
		return err
	}
	return windowCheck(sum)
}

// windowCheck refuses free-form text outside the customer's 24-hour window, telling the
// client to use a template.
func windowCheck(sum *actors.ConversationSummary) error {
	if sum.WindowOpen(time.Now()) {
		return nil
	}
	msg := "The customer has not written in the last 24 hours, so WhatsApp only allows an approved template: use POST /api/v1/messages/send-template"
	if !sum.LastInboundAt.IsZero() {
		msg = fmt.Sprintf("The 24-hour customer service window closed at %s; WhatsApp only allows an approved template now: use POST /api/v1/messages/send-template",
			sum.LastInboundAt.Add(actors.ServiceWindow).UTC().Format(time.RFC3339))
	}
	return httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeWindowClosed, msg)
}

type sendTemplateRequest struct {
	sendOptions
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
	details = append(details, unaddressableDetail(ctx, req.ConversationID)...)
	details = append(details, templateDetails(req.TemplateName, req.Language, req.Components)...)
	details = append(details, req.sendOptions.details()...)
	tenantID, key, ok := s.admitSend(ctx, details, req.ConversationID)
	if !ok {
		return
	}
	compose := func(sr *graph.SendRequest) *graph.SendRequest {
		return sr.WithTemplate(graph.NewTemplate(req.TemplateName, req.Language, req.Components...))
	}
	if s.replayed(ctx, c, tenantID, key, req.sendOptions, compose, nil) {
		return
	}
	// A template may start the conversation, and then its key is all there is to address
	// the customer by: it must be one Meta takes (a key it refuses would create the
	// conversation and fail at Meta). An existing conversation has its contact.
	var contact *actors.Contact
	if needsContact(key) || !actors.RecipientKey(key) {
		switch sum, err := s.opts.Actors.Conversation(c, tenantID, key); {
		case err == nil:
			if err := actors.NumberChanged(sum); err != nil {
				s.fail(ctx, err)
				return
			}
			contact = &sum.Contact
		case !errors.Is(err, actors.ErrNotFound):
			s.fail(ctx, err)
			return
		case !actors.RecipientKey(key):
			s.fail(ctx, httpx.Validation(httpx.Detail{Field: "conversationId", Message: notRecipient}))
			return
		}
	}
	s.queueSend(ctx, c, tenantID, key, compose(recipientRequest(contact, key)), templateRef(req.TemplateName, req.Language, req.Components), false, req.sendOptions)
}

// admitSend is what every send checks before anything else: the request's validation
// details (400) and the conversation's tenant (another tenant's is a 404). The tenant's
// consent to send comes with the send itself (queueSend). On a refusal it has answered the
// request and ok is false.
func (s *Server) admitSend(ctx *fasthttp.RequestCtx, details []httpx.Detail, conversationID string) (tenantID, key string, ok bool) {
	details = append(details, idempotencyDetail(ctx)...)
	if len(details) > 0 {
		s.fail(ctx, httpx.Validation(details...))
		return "", "", false
	}
	tenantID, key, err := s.visibleConversation(ctx, conversationID)
	if err != nil {
		s.fail(ctx, err)
		return "", "", false
	}
	return tenantID, key, true
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

// notRecipient is why a template may not start a conversation with the id's contact key.
const notRecipient = "names no conversation, and a new one needs a customer WhatsApp can address: " +
	"<tenantId>_ and a phone number with its country code (7–15 digits, no +) or a business-scoped user id (CC.<letters and digits>)"

// unaddressableDetail is send-template's 400 for an id of a tenant the caller sees whose
// contact key no conversation can have ("+5511…", "55 11 9…"): it names no conversation and
// cannot start one. The 404 every other send gives a malformed id told a client writing the
// number as API.md writes phone numbers (E.164, with +) nothing of why; another tenant's id
// stays a 404, so it confirms nothing.
func unaddressableDetail(ctx *fasthttp.RequestCtx, id string) []httpx.Detail {
	tenantID, _, named := actors.ConversationTenant(id)
	if _, _, ok := actors.ParseConversationID(id); ok || !named || !principalOf(ctx).CanSeeTenant(tenantID) {
		return nil
	}
	return []httpx.Detail{{Field: "conversationId", Message: notRecipient}}
}

func conversationIDDetail(id string) []httpx.Detail {
	if strings.TrimSpace(id) == "" {
		return []httpx.Detail{{Field: "conversationId", Message: "is required"}}
	}
	return nil
}

// needsContact reports whether addressing the conversation's customer needs its contact
// record: a conversation keyed by a wa_id is addressed by that number; one keyed by a
// business-scoped user id may have learnt the user's number since.
func needsContact(key string) bool { return strings.Contains(key, ".") }

// recipientRequest addresses the conversation's customer: by phone (with + and country
// code, so Meta never prepends the business's) or, for users known only by their
// business-scoped id, by that id. ct is nil when the contact was not read (needsContact).
func recipientRequest(ct *actors.Contact, key string) *graph.SendRequest {
	var c actors.Contact
	if ct != nil {
		c = *ct
	}
	waID := c.WaID
	if waID == "" && !needsContact(key) {
		waID = key
	}
	if waID != "" {
		return graph.NewMessage("+" + waID)
	}
	userID := c.UserID
	if userID == "" {
		userID = key
	}
	return graph.NewMessageToUser(userID)
}

// queueSend hands the message to its tenant in one call (QueueOutbound): the tenant checks
// it may send now (and the template, and — needsWindow — the customer's window from its copy
// of the summary), stores it in the outbox (queued, or claimed when it leaves at once), has
// the conversation record it, and answers once the row is durable; the client then gets
// 202 with the message. When the tenant cannot vouch for the window, the conversation's own
// summary decides: closed is a 422, open is sent the same way without the tenant's check.
func (s *Server) queueSend(ctx *fasthttp.RequestCtx, c context.Context, tenantID, key string, sr *graph.SendRequest,
	template *actors.TemplateRef, needsWindow bool, opts sendOptions) {
	id := s.messageID(ctx, tenantID)
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
	msg.SentBy = authorOf(ctx)
	q := &actors.QueueOutbound{
		Message: persistence.OutboxMessage{
			ID: id, TenantID: tenantID, ConversationID: actors.ConversationID(tenantID, key),
			Recipient: sr.To + sr.Recipient, State: persistence.OutboxQueued,
			Request: body, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now, ExpiresAt: opts.expiresAt(now),
		},
		Template: template, NeedsWindow: needsWindow, Record: &msg,
	}
	queued, err := s.opts.Actors.QueueOutbound(c, q)
	if errors.Is(err, actors.ErrWindowUnvouched) {
		sum, cerr := s.opts.Actors.Conversation(c, tenantID, key)
		if cerr == nil {
			cerr = freeFormCheck(sum)
		}
		if cerr != nil {
			s.fail(ctx, cerr)
			return
		}
		vouched := *q // a request travels shared with the grain: each call gets its own
		vouched.NeedsWindow = false
		queued, err = s.opts.Actors.QueueOutbound(c, &vouched)
	}
	if err != nil {
		s.fail(ctx, fmt.Errorf("rest: queue %s: %w", id, err))
		return
	}
	if queued.Replay != nil {
		s.answerReplay(ctx, c, *queued.Replay)
		return
	}
	view := msg // the conversation's copy travelled with q, created at now: what a GET shows
	httpx.OK(ctx, http.StatusAccepted, "Message queued", map[string]any{"message": outboundView{Message: view, ConversationID: q.Message.ConversationID}})
}

// outboundView is a queued message as the API shows it.
type outboundView struct {
	actors.Message
	ConversationID string `json:"conversationId"`
}
