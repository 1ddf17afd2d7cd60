package fakemeta

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// The fixtures' tenants (fixtures/whatsapp/README.md).
const (
	pnA      = "109881335267193"
	wabaA    = "104996122399160"
	displayA = "15550123456"
	tokenA   = "EAA-token-tenant-a"
	pnB      = "121784409931577"
	wabaB    = "118230547702211"
	displayB = "447700900123"
	tokenB   = "EAA-token-tenant-b"
	user     = "+5511987654321"
	userWaID = "5511987654321"
	secret   = "fakemeta-test-app-secret"
	// sinkVerifyToken is the verify token a sink accepts in Meta's verification GET.
	sinkVerifyToken = "vt"
)

// sink is a real webhook receiver on loopback: it verifies every signature with graph's
// Verifier, parses every body with graph.ParseWebhook, and keeps what arrived in order.
type sink struct {
	url string

	mu        sync.Mutex
	failFirst int // answer 500 to this many requests first
	requests  int
	bad       []string
	bodies    [][]byte // accepted bodies, as received
	legacy    []string // their X-Hub-Signature headers ("" when absent)
	statuses  []graph.Status
	messages  []graph.Message
	contacts  []graph.Contact
	metadata  []graph.Metadata
	entryIDs  []string
	// verifications counts verification GETs; quoteChallenge echoes the challenge as a
	// JSON string, a common mistake Meta refuses.
	verifications  int
	quoteChallenge bool
}

func startSink(t *testing.T) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{url: "http://" + ln.Addr().String() + "/api/v1/webhook"}
	verifier := graph.NewVerifier([]string{secret})
	srv := &fasthttp.Server{CloseOnShutdown: true, IdleTimeout: time.Second, Handler: func(ctx *fasthttp.RequestCtx) {
		if ctx.IsGet() {
			s.verify(ctx)
			return
		}
		body := append([]byte(nil), ctx.PostBody()...)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests++
		if err := verifier.Verify(body, string(ctx.Request.Header.Peek(graph.SignatureHeader))); err != nil {
			s.bad = append(s.bad, "signature: "+err.Error())
			ctx.SetStatusCode(401)
			return
		}
		if string(ctx.Request.Header.ContentType()) != "application/json" {
			s.bad = append(s.bad, "content type "+string(ctx.Request.Header.ContentType()))
		}
		if s.failFirst > 0 {
			s.failFirst--
			ctx.SetStatusCode(500)
			return
		}
		w, err := graph.ParseWebhook(body)
		if err != nil {
			s.bad = append(s.bad, "parse: "+err.Error())
			ctx.SetStatusCode(400)
			return
		}
		s.bodies = append(s.bodies, body)
		s.legacy = append(s.legacy, string(ctx.Request.Header.Peek("X-Hub-Signature")))
		for _, e := range w.Entry {
			for _, c := range e.Changes {
				v, err := c.MessagesValue()
				if err != nil || c.Field != graph.FieldMessages {
					s.bad = append(s.bad, "value: "+c.Field)
					continue
				}
				s.entryIDs = append(s.entryIDs, e.ID)
				s.metadata = append(s.metadata, v.Metadata)
				s.statuses = append(s.statuses, v.Statuses...)
				s.messages = append(s.messages, v.Messages...)
				s.contacts = append(s.contacts, v.Contacts...)
			}
		}
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return s
}

// verify answers Meta's verification GET as the engine does: the challenge echoed when
// the token is sinkVerifyToken, 403 otherwise.
func (s *sink) verify(ctx *fasthttp.RequestCtx) {
	q := ctx.QueryArgs()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.verifications++
	if string(q.Peek("hub.mode")) != "subscribe" || string(q.Peek("hub.verify_token")) != sinkVerifyToken {
		ctx.SetStatusCode(fasthttp.StatusForbidden)
		return
	}
	if s.quoteChallenge {
		ctx.SetBodyString(`"` + string(q.Peek("hub.challenge")) + `"`)
		return
	}
	ctx.SetBody(q.Peek("hub.challenge"))
}

func (s *sink) snapshot() (statuses []graph.Status, messages []graph.Message, bad []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]graph.Status(nil), s.statuses...), append([]graph.Message(nil), s.messages...), append([]string(nil), s.bad...)
}

// rawBodies are the accepted bodies as they arrived, in order.
func (s *sink) rawBodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

// statusesOf are the statuses that arrived for wamid, in arrival order.
func (s *sink) statusesOf(wamid string) []string {
	all, _, _ := s.snapshot()
	var out []string
	for _, st := range all {
		if st.ID == wamid {
			out = append(out, st.Status)
		}
	}
	return out
}

// eventually polls cond until it holds or the deadline passes: tests await, never sleep.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// fakeClock is a settable Config.Clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startFake runs a fakemeta with tenants A and B on loopback, webhooks to callback.
func startFake(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.AppSecret == "" {
		cfg.AppSecret = secret
	}
	s := New(cfg)
	s.AddNumber(pnA, wabaA, displayA, tokenA)
	s.AddNumber(pnB, wabaB, displayB, tokenB)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// clientFor is the engine's Graph client pointed at s.
func clientFor(t *testing.T, s *Server) *graph.Client {
	t.Helper()
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: s.URL(), Version: "v24.0", CallTimeout: 5 * time.Second, StampDepartures: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// raw is one HTTP exchange with the fake for bodies graph's types cannot express.
func raw(t *testing.T, method, url, token string, body []byte) (int, []byte) {
	t.Helper()
	status, b, _ := exchange(t, method, url, token, body, "")
	return status, b
}

// exchange is raw that also answers the value of one response header (header "": none).
func exchange(t *testing.T, method, url, token string, body []byte, header string) (int, []byte, string) {
	t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	req.Header.SetMethod(method)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBody(body)
	}
	if err := fasthttp.DoTimeout(req, resp, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	var value string
	if header != "" {
		value = string(resp.Header.Peek(header))
	}
	return resp.StatusCode(), append([]byte(nil), resp.Body()...), value
}

// apiErr decodes an error answer (failing the test if it is not one).
func apiErr(t *testing.T, status int, body []byte) *graph.APIError {
	t.Helper()
	e := graph.ParseAPIError(status, body)
	if !e.Parsed {
		t.Fatalf("HTTP %d is not a Graph error: %s", status, body)
	}
	return e
}

func asAPIError(t *testing.T, err error) *graph.APIError {
	t.Helper()
	e, ok := err.(*graph.APIError)
	if !ok {
		t.Fatalf("want *graph.APIError, got %T: %v", err, err)
	}
	return e
}

func text(to, body string) *graph.SendRequest { return graph.NewMessage(to).WithText(body) }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bg() context.Context { return context.Background() }
