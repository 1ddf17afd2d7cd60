package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/httpx"
)

// conversationView is a conversation as the API shows it.
type conversationView struct {
	actors.ConversationSummary
	Phone           string    `json:"phone,omitempty"`
	WindowOpen      bool      `json:"windowOpen"`
	WindowExpiresAt time.Time `json:"windowExpiresAt,omitzero"`
	// ContinuedIn is the conversation of the number the customer changed to (Meta's
	// user_changed_number): conversations are keyed by number, so the customer's new
	// messages land there while this one keeps the history; the link is what lets an
	// agent follow them (as Chatwoot links a contact's new number) instead of answering a
	// number the customer no longer has.
	ContinuedIn string `json:"continuedIn,omitempty"`
}

func viewConversation(s actors.ConversationSummary, now time.Time) conversationView {
	v := conversationView{ConversationSummary: s, WindowOpen: s.WindowOpen(now)}
	if s.Contact.WaID != "" {
		v.Phone = "+" + s.Contact.WaID
	}
	if !s.LastInboundAt.IsZero() {
		v.WindowExpiresAt = s.LastInboundAt.Add(actors.ServiceWindow)
	}
	v.ContinuedIn = actors.ContinuedIn(&s)
	return v
}

var conversationStatuses = map[string]bool{actors.ConversationOpen: true, actors.ConversationPending: true, actors.ConversationClosed: true}

func (s *Server) listConversations(ctx *fasthttp.RequestCtx, c context.Context) {
	p := principalOf(ctx)
	tenantID, err := p.TenantScope(string(ctx.QueryArgs().Peek("tenantId")))
	if err != nil {
		s.fail(ctx, err)
		return
	}
	page, err := pageOf(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	q := &actors.QueryConversations{Page: page.Page, Limit: page.Limit}
	var details []httpx.Detail
	if tenantID == "" {
		details = append(details, httpx.Detail{Field: "tenantId", Message: "is required for a platform admin"})
	}
	args := ctx.QueryArgs()
	if v := string(args.Peek("status")); v != "" {
		if !conversationStatuses[v] {
			details = append(details, httpx.Detail{Field: "status", Message: "must be open, pending or closed"})
		}
		q.Status = v
	}
	switch v := string(args.Peek("assignedTo")); {
	case v == "me":
		q.AssignedTo = p.UserID
	case v == "none" || v == "" || ids.Valid(v):
		q.AssignedTo = v
	default:
		details = append(details, httpx.Detail{Field: "assignedTo", Message: "must be a user id, me or none"})
	}
	switch v := string(args.Peek("unread")); v {
	case "":
	case "true", "false":
		b := v == "true"
		q.Unread = &b
	default:
		details = append(details, httpx.Detail{Field: "unread", Message: "must be true or false"})
	}
	after, bad := inboxCursor(ctx)
	if bad != nil {
		details = append(details, *bad)
	}
	q.After = after
	if v := strings.TrimSpace(string(args.Peek("search"))); v != "" {
		if utf8.RuneCountInString(v) > 100 {
			details = append(details, httpx.Detail{Field: "search", Message: "must be at most 100 characters"})
		}
		q.Search = v
	}
	if len(details) > 0 {
		s.fail(ctx, httpx.Validation(details...))
		return
	}
	if err := s.namedTenantExists(ctx, c, tenantID); err != nil {
		s.fail(ctx, err)
		return
	}
	res, err := s.opts.Actors.Conversations(c, tenantID, q)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	now := time.Now()
	views := make([]conversationView, len(res.Items))
	for i, it := range res.Items {
		views[i] = viewConversation(it, now)
	}
	pagination := httpx.NewPagination(res.Total, page)
	if n := len(res.Items); n > 0 && pagination.HasNext {
		pagination.NextBefore = encodeInboxCursor(&res.Items[n-1])
	}
	httpx.List(ctx, "Conversations", views, pagination)
}

// conversationOf resolves the :id parameter to a conversation the caller may see. Ids of
// other tenants and malformed ids are the same 404 as missing ones.
func (s *Server) conversationOf(ctx *fasthttp.RequestCtx, param string) (tenantID, key string, err error) {
	id, ok := pathParam(ctx, param)
	if ok {
		tenantID, key, ok = actors.ParseConversationID(id)
	}
	if !ok || !principalOf(ctx).CanSeeTenant(tenantID) {
		return "", "", httpx.NotFound("Conversation")
	}
	return tenantID, key, nil
}

// conversationCall resolves the :id parameter, runs one grain call on that conversation and
// answers the summary it returns.
func (s *Server) conversationCall(ctx *fasthttp.RequestCtx, message string, call func(tenantID, key string) (*actors.ConversationSummary, error)) *actors.ConversationSummary {
	tenantID, key, err := s.conversationOf(ctx, "id")
	if err != nil {
		s.fail(ctx, err)
		return nil
	}
	sum, err := call(tenantID, key)
	if err != nil {
		s.fail(ctx, err)
		return nil
	}
	httpx.OK(ctx, http.StatusOK, message, map[string]any{"conversation": viewConversation(*sum, time.Now())})
	return sum
}

func (s *Server) getConversation(ctx *fasthttp.RequestCtx, c context.Context) {
	s.conversationCall(ctx, "Conversation", func(tenantID, key string) (*actors.ConversationSummary, error) {
		return s.opts.Actors.Conversation(c, tenantID, key)
	})
}

func (s *Server) markConversationRead(ctx *fasthttp.RequestCtx, c context.Context) {
	sum := s.conversationCall(ctx, "Conversation marked as read", func(tenantID, key string) (*actors.ConversationSummary, error) {
		return s.opts.Actors.MarkRead(c, tenantID, key)
	})
	if sum != nil && s.opts.OnMarkRead != nil {
		s.opts.OnMarkRead(c, *sum)
	}
}

// showTyping is PUT /conversations/:id/typing: the customer sees "typing…" (for up to 25 s,
// or until the reply) on their last message, which Meta marks read with it, so the
// conversation is marked read here too. Only inside the customer's window: outside it the
// agent cannot answer with anything but a template, and a typing indicator would promise a
// reply.
func (s *Server) showTyping(ctx *fasthttp.RequestCtx, c context.Context) {
	tenantID, key, err := s.conversationOf(ctx, "id")
	if err != nil {
		s.fail(ctx, err)
		return
	}
	cur, err := s.opts.Actors.Conversation(c, tenantID, key)
	switch {
	case err != nil:
		s.fail(ctx, err)
		return
	case cur.LastInboundWAMID == "":
		s.fail(ctx, httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeRuleRefused, "The customer has not written yet: there is no message to show typing on"))
		return
	case !cur.WindowOpen(time.Now()):
		s.fail(ctx, httpx.NewError(http.StatusUnprocessableEntity, httpx.CodeWindowClosed,
			"The customer's 24-hour window is closed: only a template can reach them (POST /messages/send-template)"))
		return
	}
	sum := s.conversationCall(ctx, "Typing shown", func(tenantID, key string) (*actors.ConversationSummary, error) {
		return s.opts.Actors.MarkRead(c, tenantID, key)
	})
	if sum != nil && s.opts.OnTyping != nil {
		s.opts.OnTyping(c, *sum)
	}
}

// assignRequest keeps agentId raw: absent (a 400) and null (unassign) must differ, and a
// *string decodes both to nil.
type assignRequest struct {
	AgentID json.RawMessage `json:"agentId"`
}

// assignConversation: tenant admins (and platform admins) assign anyone of the tenant or
// unassign; agents may only take a conversation for themselves.
func (s *Server) assignConversation(ctx *fasthttp.RequestCtx, c context.Context) {
	tenantID, key, err := s.conversationOf(ctx, "id")
	if err != nil {
		s.fail(ctx, err)
		return
	}
	var req assignRequest
	if err := httpx.DecodeJSON(ctx, &req); err != nil {
		s.fail(ctx, err)
		return
	}
	var agentID string
	switch raw := strings.TrimSpace(string(req.AgentID)); {
	case raw == "":
		s.fail(ctx, httpx.Validation(httpx.Detail{Field: "agentId", Message: "is required (null or \"\" unassigns)"}))
		return
	case raw == "null":
	default:
		if err := json.Unmarshal(req.AgentID, &agentID); err != nil {
			s.fail(ctx, httpx.Validation(httpx.Detail{Field: "agentId", Message: "must be a user id, \"\" or null"}))
			return
		}
	}
	p := principalOf(ctx)
	if p.Role == persistence.RoleAgent && agentID != p.UserID {
		s.fail(ctx, httpx.Forbidden("Agents may only assign conversations to themselves"))
		return
	}
	if agentID != "" {
		if !ids.Valid(agentID) {
			s.fail(ctx, httpx.Validation(httpx.Detail{Field: "agentId", Message: "is not a user id"}))
			return
		}
		if _, err := s.accounts.TenantUser(c, tenantID, agentID); err != nil {
			if errors.Is(err, persistence.ErrNotFound) {
				err = httpx.Validation(httpx.Detail{Field: "agentId", Message: "is not an active user of this tenant"})
			}
			s.fail(ctx, err)
			return
		}
	}
	sum, err := s.opts.Actors.Assign(c, tenantID, key, agentID, p.UserID)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	httpx.OK(ctx, http.StatusOK, "Conversation assigned", map[string]any{"conversation": viewConversation(*sum, time.Now())})
}

func (s *Server) listMessages(ctx *fasthttp.RequestCtx, c context.Context) {
	tenantID, key, err := s.conversationOf(ctx, "conversationId")
	if err != nil {
		s.fail(ctx, err)
		return
	}
	page, details := pageDetails(ctx)
	before, bad := messageCursor(ctx)
	if bad != nil {
		details = append(details, *bad)
	}
	if len(details) > 0 {
		s.fail(ctx, httpx.Validation(details...))
		return
	}
	res, err := s.opts.Actors.Messages(c, tenantID, key, actors.ListMessages{Page: page.Page, Limit: page.Limit, Before: before})
	if err != nil {
		s.fail(ctx, err)
		return
	}
	pagination := httpx.NewPagination(res.Total, page)
	pagination.NextBefore = nextMessageCursor(res)
	// Each item names its conversation, as a send's answer and GET of one message do.
	conv := actors.ConversationID(tenantID, key)
	items := make([]outboundView, len(res.Messages))
	for i, m := range res.Messages {
		items[i] = outboundView{Message: m, ConversationID: conv}
	}
	httpx.List(ctx, "Messages", items, pagination)
}
