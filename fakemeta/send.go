package fakemeta

import (
	"fmt"
	"net"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/internal/departstamp"
	"github.com/switchboard/switchboard/transport/graph"
)

// window is the customer-service window a user's message opens.
const window = 24 * time.Hour

// sendProbe is any body POSTed to /messages: a message, or a status (mark-read/typing)
// request, told apart by status/message_id.
type sendProbe struct {
	graph.SendRequest
	Status          string                 `json:"status"`
	MessageID       string                 `json:"message_id"`
	TypingIndicator *graph.TypingIndicator `json:"typing_indicator"`
	// Location and Contacts are the message kinds graph does not model (validate_cards.go).
	Location *locationProbe `json:"location"`
	Contacts []contactProbe `json:"contacts"`
}

// messages is POST /{version}/{phone_number_id}/messages. Checks run in Meta's order:
// token, number, registration, body (a recipient that is the number itself: 131021),
// template, then the limits — and only a send that
// passes them all is accepted, logged and given status webhooks.
func (s *Server) messages(ctx *fasthttp.RequestCtx) {
	id := pathID(ctx)
	tok := bearer(ctx)
	n := s.number(id)
	body := ctx.PostBody()
	var p sendProbe
	parseErr := json.Unmarshal(body, &p)
	receipt := parseErr == nil && (p.Status != "" || (p.MessageID != "" && p.Type == ""))
	var wabaID string
	if n != nil {
		wabaID = n.wabaID
		n.mu.Lock()
		n.stats.requests++
		if !receipt {
			// Every send request counts toward the busiest second, refused ones too —
			// for the token or the registration as well: it measures what the sender
			// offered, which the limits would otherwise hide.
			n.busiestSends.add(Arrival{At: s.arrival(ctx), Departed: departed(ctx), OnConn: ctx.ConnRequestNum(),
				Message: p.BizOpaqueCallbackData})
		}
		n.mu.Unlock()
	}
	if e := s.authorize(tok, "post", id, wabaID); e != nil {
		s.reject(ctx, n, e)
		return
	}
	n.mu.Lock()
	registered := n.registered
	n.mu.Unlock()
	if !registered {
		s.reject(ctx, n, apiError(133010, ""))
		return
	}
	if parseErr != nil {
		s.reject(ctx, n, invalidParam("Request body is not valid JSON: %v", parseErr))
		return
	}
	if receipt {
		s.markRead(ctx, n, &p)
		return
	}
	req := &p.SendRequest
	if e := validateSend(&p); e != nil {
		s.reject(ctx, n, e)
		return
	}
	key, waID, userID := recipientOf(req, n.display)
	if waID == n.display {
		s.reject(ctx, n, apiError(131021, ""))
		return
	}
	if s.cfg.RewriteWaIDs && waID != "" {
		waID = metaWaID(waID) // Meta's answer and statuses name the other form
		key = waID
	}
	var category string
	if req.Type == graph.TypeTemplate {
		def, found := s.template(n.wabaID, req.Template.Name, req.Template.Language.Code)
		if e := checkTemplate(def, found, req.Template); e != nil {
			s.reject(ctx, n, e)
			return
		}
		category = def.Category
	}
	if code := s.injectedSync(n, key); code != 0 {
		s.reject(ctx, n, apiError(code, ""))
		return
	}
	s.accept(ctx, n, req, tok, body, category, key, waID, userID)
}

// accept applies the throughput and pair limits and, if both allow, records the send and
// answers with its wamid.
// key, waID and userID are the recipient's (recipientOf, rewritten as Meta may).
func (s *Server) accept(ctx *fasthttp.RequestCtx, n *number, req *graph.SendRequest, tok string, body []byte, category, key, waID, userID string) {
	n.mu.Lock()
	now, arrived := s.now(), s.arrival(ctx)
	if n.accepted.full(arrived, n.throughput) {
		n.mu.Unlock()
		s.reject(ctx, n, apiError(130429, ""))
		return
	}
	n.sweep(now, s.cfg.PairEvery)
	if s.cfg.PairEvery > 0 && !n.takePair(key, now, s.cfg.PairEvery, s.cfg.PairBurst) {
		n.mu.Unlock()
		s.reject(ctx, n, apiError(131056, ""))
		return
	}
	n.accepted.add(Arrival{At: arrived})
	n.busiestAccepted.add(Arrival{At: arrived})
	n.stats.accepted++
	last, seen := n.windows[userKey(key)]
	inWindow := seen && now.Sub(last) < window
	failCode, _ := take(n, key, asyncQ)
	if failCode == 0 && req.Type != graph.TypeTemplate && !inWindow && !s.cfg.IgnoreWindow {
		failCode = 131047 // accepted now, failed by webhook: Meta's usual way
	}
	if failCode != 0 {
		n.stats.async[failCode]++
	}
	// A lost answer: status 0 closes the connection, else a proxy's error page answers.
	gatewayStatus, lost := take(n, key, lostQ)
	late, _ := take(n, key, lateQ)
	profileName := n.profiles[userKey(key)].name // for the contacts block of the statuses
	wamid := s.newWAMID(key, false, "")
	n.logSent(SentMessage{
		WAMID: wamid, PhoneNumberID: n.id, Recipient: req.To + req.Recipient, WaID: waID, UserID: userID,
		Type: req.Type, Token: tok, BizOpaqueCallbackData: req.BizOpaqueCallbackData,
		Request: *req, Body: append([]byte(nil), body...), At: now, Departed: departed(ctx), AsyncErrorCode: failCode,
	}, s.cfg.MaxSentLog)
	at := where{wabaID: n.wabaID, phoneNumberID: n.id, display: n.display}
	n.mu.Unlock()

	// Scheduled before the answer is written: like Meta's, a status webhook can beat the
	// send response to the engine.
	s.scheduleStatuses(statusPlan{
		at: at, wamid: wamid, recipientID: waID, recipientUserID: userID, profileName: profileName,
		callbackData: req.BizOpaqueCallbackData, pricing: pricingFor(req, category, inWindow), failCode: failCode,
		late: late,
	})
	switch {
	case lost && gatewayStatus != 0:
		// Accepted, but a proxy on the way back answers instead of Meta: the client gets
		// an error without Graph's envelope and cannot know the message went out.
		ctx.SetStatusCode(gatewayStatus)
		ctx.SetContentType("text/html")
		ctx.SetBodyString("<html><body><h1>" + fasthttp.StatusMessage(gatewayStatus) + "</h1></body></html>")
		return
	case lost:
		// Accepted, but the answer is lost: the client sees the connection close and
		// cannot know the message went out.
		ctx.HijackSetNoResponse(true)
		ctx.Hijack(func(net.Conn) {})
		return
	}
	resp := graph.SendResponse{
		MessagingProduct: graph.MessagingProduct,
		Contacts:         []graph.SendContact{{Input: req.To + req.Recipient, WaID: waID, UserID: userID}},
		Messages:         []graph.SendMessageResult{{ID: wamid}},
	}
	if req.Type == graph.TypeTemplate {
		resp.Messages[0].MessageStatus = graph.MessageStatusAccepted
	}
	writeJSON(ctx, 200, resp)
}

// markRead answers a mark-read or typing-indicator request.
func (s *Server) markRead(ctx *fasthttp.RequestCtx, n *number, p *sendProbe) {
	if e := validateStatusRequest(p); e != nil {
		s.reject(ctx, n, e)
		return
	}
	if !s.inboundTo(p.MessageID, n) {
		// Another number's message, or one the business sent, is no message this number
		// received: Meta cannot resolve it (WHATSAPP.md §2, "bad id → 131009").
		s.reject(ctx, n, apiError(131009, fmt.Sprintf("Invalid message_id %q: no such message received by this phone number.", p.MessageID)))
		return
	}
	n.mu.Lock()
	code, failed := dequeue(&n.inject.read)
	if !failed {
		n.stats.markedRead++
		n.lastRead = p.MessageID
		if p.TypingIndicator != nil {
			n.stats.typing++
		}
	}
	n.mu.Unlock()
	if code != 0 {
		s.reject(ctx, n, apiError(code, ""))
		return
	}
	writeSuccess(ctx)
}

// departed is when the engine says the request left its departure gate (zero: not said).
func departed(ctx *fasthttp.RequestCtx) time.Time {
	return departstamp.Parse(ctx.Request.Header.Peek(departstamp.Header))
}

// reject answers e and counts it for the number (when there is one).
func (s *Server) reject(ctx *fasthttp.RequestCtx, n *number, e *graph.APIError) {
	if n != nil {
		n.mu.Lock()
		n.stats.errors[e.Code]++
		n.mu.Unlock()
		if e.Code == 80007 {
			// Meta says when the WABA may call again (WHATSAPP.md §2.2, in minutes).
			ctx.Response.Header.Set("X-Business-Use-Case-Usage", fmt.Sprintf(
				`{%q:[{"type":"whatsapp","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":%d}]}`,
				n.wabaID, wabaRegainMinutes))
		}
	}
	writeError(ctx, e)
}

// wabaRegainMinutes is the estimated_time_to_regain_access of an 80007: Meta's shortest.
const wabaRegainMinutes = 1

// recipientOf is the key limits and windows are kept by, and the canonical ids the
// response reports: the wa_id Meta derives from to (waIDOf, with the business number's
// calling code when to has no +), or the BSUID.
func recipientOf(r *graph.SendRequest, businessDisplay string) (key, waID, userID string) {
	if r.Recipient != "" {
		return r.Recipient, "", r.Recipient
	}
	d := waIDOf(r.To, businessDisplay)
	return d, d, ""
}

// logSent appends to the sent log, keeping the newest limit (0: all). The oldest are dropped
// once the log holds twice the limit, so trimming costs a copy per limit sends, not per send.
// n.mu is held.
func (n *number) logSent(m SentMessage, limit int) {
	n.sent = append(n.sent, m)
	if limit > 0 && len(n.sent) >= 2*limit {
		n.sent = append(n.sent[:0], n.sent[len(n.sent)-limit:]...)
	}
}

// sentLog is the log as MaxSentLog promises it: the newest limit sends. n.mu is held.
func (n *number) sentLog(limit int) []SentMessage {
	if limit > 0 && len(n.sent) > limit {
		return n.sent[len(n.sent)-limit:]
	}
	return n.sent
}

// arrival is when a request reached the server, as Meta's count of a number's second (and its
// throughput limit) sees it: the moment fasthttp had read it, not the later one its handler
// took the number's lock at (bench pacing once saw a request wait 63 ms there and count in the
// next second). With a test's clock, that clock's now.
func (s *Server) arrival(ctx *fasthttp.RequestCtx) time.Time {
	if s.realClock {
		return ctx.Time()
	}
	return s.now()
}
