package fakemeta

import (
	"sort"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// Stats is what fakemeta saw, per business number, and what its webhook sender did.
type Stats struct {
	Numbers  map[string]NumberStats `json:"numbers"`
	Webhooks WebhookStats           `json:"webhooks"`
}

// NumberStats counts one number's traffic.
type NumberStats struct {
	// Requests is every POST /messages for the number: sends, mark-reads, rejected ones.
	Requests int64 `json:"requests"`
	// Accepted is sends answered 200 with a wamid (including those that later fail
	// asynchronously); MarkedRead is mark-read and typing requests.
	Accepted   int64 `json:"accepted"`
	MarkedRead int64 `json:"marked_read"`
	// Errors counts synchronous error answers by Meta code; AsyncFailures the failed
	// status webhooks scheduled (131047 for closed windows, injected ones).
	Errors        map[int]int64 `json:"errors_by_code"`
	AsyncFailures map[int]int64 `json:"async_failures_by_code"`
	// MaxSendsPerSecond is the most send requests (mark-reads aside) within any one-second
	// span, accepted or refused: the pace the sender kept. MaxPerSecond counts only the
	// accepted ones, which the throughput limit caps.
	MaxSendsPerSecond int `json:"max_sends_per_second"`
	MaxPerSecond      int `json:"max_accepted_per_second"`
	// BusiestSends is the send requests of that busiest second, oldest first: with the
	// departures the engine stamped on them, they say whether requests left too close
	// together or waited on their way. Only GET /_fakemeta/stats fills it (Server.BusiestSends
	// in process): Stats is polled while benches drain, and a second at 5,000 msg/s is
	// 5,000 requests to copy.
	BusiestSends []Arrival `json:"busiest_sends,omitempty"`
	// Inbound is inbound messages generated for the number.
	Inbound int64 `json:"inbound"`
	// Uploads is media files uploaded for the number (POST /{phone_number_id}/media).
	Uploads int64 `json:"media_uploads"`
	// Typing is the mark-read requests that also showed the typing indicator.
	Typing int64 `json:"typing_indicators"`
}

// WebhookStats counts webhook POSTs.
type WebhookStats struct {
	Delivered int64 `json:"delivered"` // answered 200
	Attempts  int64 `json:"attempts"`  // POSTs made, retries included
	Dropped   int64 `json:"dropped"`   // given up on (attempts exhausted, no callback URL, not subscribed, closed)
	// Unsubscribed is the dropped webhooks of WABAs the app is not subscribed to.
	Unsubscribed int64 `json:"dropped_unsubscribed"`
}

// SentMessage is one accepted send as fakemeta received it: enough for tests to count
// exactly-once delivery and to check which tenant's token was used.
type SentMessage struct {
	WAMID         string
	PhoneNumberID string
	// Recipient is the to (or BSUID recipient) as sent; WaID and UserID the canonical id
	// the response reported.
	Recipient             string
	WaID                  string
	UserID                string
	Type                  string
	Token                 string
	BizOpaqueCallbackData string
	Request               graph.SendRequest
	Body                  []byte // the raw request body
	At                    time.Time
	// Departed is when the engine says the send left its departure gate (zero: not said).
	Departed time.Time
	// AsyncErrorCode is the code of the failed status webhook this send gets (131047
	// outside the window, or injected), 0 when it is delivered normally.
	AsyncErrorCode int
}

type numberStats struct {
	requests, accepted, markedRead, inbound, uploads, typing int64
	errors, async                                            map[int]int64
}

func newNumberStats() numberStats {
	return numberStats{errors: map[int]int64{}, async: map[int]int64{}}
}

// Stats is a snapshot of every number's counters and the webhook sender's.
func (s *Server) Stats() Stats {
	s.mu.RLock()
	numbers := make([]*number, 0, len(s.numbers))
	for _, n := range s.numbers {
		numbers = append(numbers, n)
	}
	s.mu.RUnlock()
	out := Stats{Numbers: make(map[string]NumberStats, len(numbers)), Webhooks: s.hooks.stats()}
	for _, n := range numbers {
		n.mu.Lock()
		ns := NumberStats{
			Requests: n.stats.requests, Accepted: n.stats.accepted, MarkedRead: n.stats.markedRead,
			Inbound: n.stats.inbound, MaxPerSecond: n.busiestAccepted.max,
			MaxSendsPerSecond: n.busiestSends.max, Uploads: n.stats.uploads, Typing: n.stats.typing,
			Errors: copyCounts(n.stats.errors), AsyncFailures: copyCounts(n.stats.async),
		}
		n.mu.Unlock()
		out.Numbers[n.id] = ns
	}
	return out
}

func copyCounts(m map[int]int64) map[int]int64 {
	c := make(map[int]int64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Sent is the number's log of accepted sends, oldest first (a copy).
func (s *Server) Sent(phoneNumberID string) []SentMessage {
	n := s.number(phoneNumberID)
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]SentMessage(nil), n.sentLog(s.cfg.MaxSentLog)...)
}

// BusiestSends is the send requests of the number's busiest second (NumberStats'
// MaxSendsPerSecond), oldest first (a copy).
func (s *Server) BusiestSends(phoneNumberID string) []Arrival {
	var worst []Arrival
	s.withNumber(phoneNumberID, func(n *number) { worst = n.busiestSends.requests() })
	return worst
}

// LastMarkedRead is the wamid the number's last accepted mark-read (or typing) request
// named, "" before any: with Stats' MarkedRead, which receipt reached Meta.
func (s *Server) LastMarkedRead(phoneNumberID string) string {
	wamid := ""
	s.withNumber(phoneNumberID, func(n *number) { wamid = n.lastRead })
	return wamid
}

// ResetStats zeroes counters, busiest seconds and sent logs (between bench phases). The
// throughput limiter keeps the last second's sends: they still count against the limit.
func (s *Server) ResetStats() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.numbers {
		n.mu.Lock()
		n.stats = newNumberStats()
		n.busiestSends, n.busiestAccepted = busiestSecond{}, busiestSecond{}
		n.sent, n.lastRead = nil, ""
		n.mu.Unlock()
	}
	s.hooks.resetStats()
}

func (s *Server) statsHandler(ctx *fasthttp.RequestCtx) {
	st := s.Stats()
	for id, ns := range st.Numbers {
		ns.BusiestSends = s.BusiestSends(id)
		st.Numbers[id] = ns
	}
	writeJSON(ctx, 200, st)
}

// sentView is a SentMessage over HTTP (the body as JSON, not base64).
type sentView struct {
	WAMID                 string          `json:"wamid"`
	Recipient             string          `json:"recipient"`
	WaID                  string          `json:"wa_id,omitempty"`
	UserID                string          `json:"user_id,omitempty"`
	Type                  string          `json:"type"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`
	At                    time.Time       `json:"at"`
	AsyncErrorCode        int             `json:"async_error_code,omitempty"`
	Body                  json.RawMessage `json:"body"`
}

// sentHandler lists a number's accepted sends (tokens are left out: they are secrets even
// in a stand-in's logs).
func (s *Server) sentHandler(ctx *fasthttp.RequestCtx) {
	sent := s.Sent(pathID(ctx))
	out := make([]sentView, len(sent))
	for i, m := range sent {
		out[i] = sentView{WAMID: m.WAMID, Recipient: m.Recipient, WaID: m.WaID, UserID: m.UserID, Type: m.Type,
			BizOpaqueCallbackData: m.BizOpaqueCallbackData, At: m.At, AsyncErrorCode: m.AsyncErrorCode, Body: m.Body}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	writeJSON(ctx, 200, map[string]any{"data": out})
}
