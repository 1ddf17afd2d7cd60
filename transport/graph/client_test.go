package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/internal/departstamp"
	"github.com/switchboard/switchboard/internal/fixtures"
)

// seen is one request as the server received it.
type seen struct {
	method, path, auth, contentType string
	query                           url.Values
	body                            []byte
	departed                        string // the departure stamp header
}

// graphServer is a real fasthttp server on loopback answering with a canned reply and
// recording what it saw.
type graphServer struct {
	url     string
	mu      sync.Mutex
	seen    []seen
	status  int
	body    []byte
	headers map[string]string
	hold    chan struct{} // when non-nil, handlers wait on it (a server that hangs)
}

func startGraphServer(t *testing.T) *graphServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &graphServer{url: "http://" + ln.Addr().String(), status: 200}
	srv := &fasthttp.Server{Handler: g.handle, CloseOnShutdown: true, IdleTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		g.mu.Lock()
		if g.hold != nil {
			close(g.hold)
			g.hold = nil
		}
		g.mu.Unlock()
		_ = srv.Shutdown()
	})
	return g
}

func (g *graphServer) handle(ctx *fasthttp.RequestCtx) {
	q, _ := url.ParseQuery(string(ctx.URI().QueryString()))
	g.mu.Lock()
	g.seen = append(g.seen, seen{
		method: string(ctx.Method()), path: string(ctx.Path()), auth: string(ctx.Request.Header.Peek("Authorization")),
		contentType: string(ctx.Request.Header.ContentType()), query: q, body: append([]byte(nil), ctx.PostBody()...),
		departed: string(ctx.Request.Header.Peek(departstamp.Header)),
	})
	hold, status, body := g.hold, g.status, g.body
	for k, v := range g.headers {
		ctx.Response.Header.Set(k, v)
	}
	g.mu.Unlock()
	if hold != nil {
		<-hold
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

func (g *graphServer) reply(status int, body []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status, g.body = status, body
}

func (g *graphServer) last(t *testing.T) seen {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.seen) == 0 {
		t.Fatal("server saw no request")
	}
	return g.seen[len(g.seen)-1]
}

func newTestClient(t *testing.T, base string, opts ...func(*ClientOptions)) *Client {
	t.Helper()
	o := ClientOptions{BaseURL: base, Version: "v24.0"}
	for _, f := range opts {
		f(&o)
	}
	c, err := NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

const (
	pnID   = "109881335267193"
	wabaID = "104996122399160"
	tokenA = "EAA-tenant-a"
	tokenB = "EAA-tenant-b"
)

func TestClientRoundTrips(t *testing.T) {
	g := startGraphServer(t)
	c := newTestClient(t, g.url)
	ctx := context.Background()

	cases := []struct {
		name      string
		reply     string // graph/ fixture answered with 200
		call      func() error
		method    string
		path      string
		auth      string
		query     url.Values // expected exactly (nil: none)
		body      string     // requests/ fixture the body must equal; "" = no body
		checkBody func(t *testing.T, b []byte)
	}{
		{
			name: "send text", reply: "send_success.json", method: "POST", path: "/v24.0/" + pnID + "/messages", auth: "Bearer " + tokenA,
			body: "send_text.json",
			call: func() error {
				r, err := c.SendMessage(ctx, tokenA, pnID, NewMessage("+5511987654321").WithTextPreview("Olá Ana, recebemos seu pedido.", false))
				if err == nil && r.WAMID() != "wamid.HBgNNTExOTg3NjU0MzIxFQIAERgSNDUwRkMyQzZGOUFDMUU5N0FFRjIA" {
					t.Errorf("wamid %q", r.WAMID())
				}
				return err
			},
		},
		{
			name: "send template with the other tenant's token", reply: "send_success_template_paced.json", method: "POST",
			path: "/v24.0/" + pnID + "/messages", auth: "Bearer " + tokenB, body: "send_template_positional.json",
			call: func() error {
				r, err := c.SendMessage(ctx, tokenB, pnID, requestFixtures()["send_template_positional.json"].(*SendRequest))
				if err == nil && r.Messages[0].MessageStatus != MessageStatusAccepted {
					t.Errorf("message_status %q", r.Messages[0].MessageStatus)
				}
				return err
			},
		},
		{
			name: "mark read with typing", reply: "mark_read_success.json", method: "POST", path: "/v24.0/" + pnID + "/messages",
			auth: "Bearer " + tokenA, body: "typing_indicator.json",
			call: func() error { return c.MarkRead(ctx, tokenA, pnID, replyWAMID, true) },
		},
		{
			name: "exchange code", reply: "oauth_access_token.json", method: "GET", path: "/v24.0/oauth/access_token",
			query: url.Values{"client_id": {"1432009877312456"}, "client_secret": {"s3cret"}, "code": {"AQD-code"}},
			call: func() error {
				tok, err := c.ExchangeCode(ctx, "1432009877312456", "s3cret", "AQD-code")
				if err == nil && tok.AccessToken == "" {
					t.Error("no token")
				}
				return err
			},
		},
		{
			name: "debug token", reply: "debug_token.json", method: "GET", path: "/v24.0/debug_token", auth: "Bearer 1432009877312456|s3cret",
			query: url.Values{"input_token": {tokenA}},
			call: func() error {
				d, err := c.DebugToken(ctx, AppToken("1432009877312456", "s3cret"), tokenA)
				if err == nil && !d.Data.GrantsWABA(wabaID) {
					t.Error("WABA not granted")
				}
				return err
			},
		},
		{
			name: "subscribe app", reply: "subscribed_apps_post_success.json", method: "POST", path: "/v24.0/" + wabaID + "/subscribed_apps",
			auth: "Bearer " + tokenA,
			call: func() error { return c.SubscribeApp(ctx, tokenA, wabaID, nil) },
		},
		{
			name: "subscribe app with override", reply: "subscribed_apps_post_success.json", method: "POST",
			path: "/v24.0/" + wabaID + "/subscribed_apps", auth: "Bearer " + tokenA, body: "subscribed_apps_override.json",
			call: func() error {
				return c.SubscribeApp(ctx, tokenA, wabaID, &SubscribedAppsOverride{OverrideCallbackURI: "https://hooks.example.com/wa/t/acme", VerifyToken: "vt_acme_5d1c"})
			},
		},
		{
			name: "register", reply: "register_success.json", method: "POST", path: "/v24.0/" + pnID + "/register",
			auth: "Bearer " + tokenA, body: "register_phone.json",
			call: func() error { return c.RegisterPhone(ctx, tokenA, pnID, "581063") },
		},
		{
			name: "templates page", reply: "templates_page1.json", method: "GET", path: "/v24.0/" + wabaID + "/message_templates",
			auth:  "Bearer " + tokenA,
			query: url.Values{"fields": {TemplateFields}, "limit": {"100"}, "after": {"QVFIUnVf"}},
			call: func() error {
				p, err := c.ListTemplates(ctx, tokenA, wabaID, "QVFIUnVf")
				if err == nil && (len(p.Data) != 3 || p.Paging.Next == "") {
					t.Errorf("%+v", p.Paging)
				}
				return err
			},
		},
		{
			name: "phone number", reply: "phone_number_get.json", method: "GET", path: "/v24.0/" + pnID, auth: "Bearer " + tokenA,
			query: url.Values{"fields": {PhoneNumberFields}},
			call: func() error {
				p, err := c.PhoneNumber(ctx, tokenA, pnID)
				if err == nil && p.Throughput.Level != "STANDARD" {
					t.Errorf("%+v", p)
				}
				return err
			},
		},
		{
			name: "health status", reply: "health_status.json", method: "GET", path: "/v24.0/" + pnID, auth: "Bearer " + tokenA,
			query: url.Values{"fields": {"health_status"}},
			call: func() error {
				h, err := c.HealthStatus(ctx, tokenA, pnID)
				if err == nil && h.HealthStatus.CanSendMessage != HealthBlocked {
					t.Errorf("%+v", h)
				}
				return err
			},
		},
		{
			name: "phone numbers", reply: "phone_numbers_list.json", method: "GET", path: "/v24.0/" + wabaID + "/phone_numbers", auth: "Bearer " + tokenA,
			call: func() error {
				p, err := c.PhoneNumbers(ctx, tokenA, wabaID)
				if err == nil && len(p.Data) != 1 {
					t.Errorf("%+v", p)
				}
				return err
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g.reply(200, fixtures.Read(t, "graph/"+tc.reply))
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			s := g.last(t)
			if s.method != tc.method || s.path != tc.path || s.auth != tc.auth {
				t.Fatalf("saw %s %s auth %q; want %s %s auth %q", s.method, s.path, s.auth, tc.method, tc.path, tc.auth)
			}
			if len(s.query) != len(tc.query) {
				t.Fatalf("query %v, want %v", s.query, tc.query)
			}
			for k, v := range tc.query {
				if s.query.Get(k) != v[0] {
					t.Fatalf("query %s=%q, want %q", k, s.query.Get(k), v[0])
				}
			}
			if tc.body == "" {
				if len(s.body) != 0 {
					t.Fatalf("unexpected body %s", s.body)
				}
				return
			}
			if s.contentType != "application/json" {
				t.Fatalf("content type %q", s.contentType)
			}
			assertSameJSON(t, fixtures.Read(t, "requests/"+tc.body), s.body)
		})
	}
}

func TestClientErrorAnswers(t *testing.T) {
	g := startGraphServer(t)
	c := newTestClient(t, g.url)
	cases := []struct {
		status  int
		fixture string
		code    int
		class   ErrorClass
	}{
		{400, "error_130429_throughput.json", 130429, RetryThroughput},
		{400, "error_131056_pair_rate.json", 131056, RetryPair},
		{401, "error_190_token_expired.json", 190, Reauth},
		{404, "error_132001_template_missing.json", 132001, FailTemplate},
		{500, "error_131000_unknown.json", 131000, RetryTransient},
		{400, "error_100_invalid_parameter.json", 100, Fail},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			g.reply(tc.status, fixtures.Read(t, "graph/"+tc.fixture))
			_, err := c.SendMessage(context.Background(), tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("want *APIError, got %T %v", err, err)
			}
			if apiErr.HTTPStatus != tc.status || apiErr.Code != tc.code || apiErr.Class() != tc.class || errors.Is(err, ErrTransport) {
				t.Fatalf("%+v class %v", apiErr, apiErr.Class())
			}
		})
	}
	t.Run("usage header", func(t *testing.T) {
		g.mu.Lock()
		g.headers = map[string]string{"X-Business-Use-Case-Usage": `{"` + wabaID + `":[{"type":"whatsapp_business_management","estimated_time_to_regain_access":9}]}`}
		g.mu.Unlock()
		g.reply(400, fixtures.Read(t, "graph/error_80007_waba_rate_limit.json"))
		_, err := c.ListTemplates(context.Background(), tokenA, wabaID, "")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.RegainAccessAfter != 9 {
			t.Fatalf("%v", err)
		}
	})
	// Answers that are not Graph's envelope: whatever sent a 5xx took the request and may
	// have passed it on, so only a definite refusal (Meta's own error, a 4xx before Graph)
	// may be resent without reconciling.
	for _, tc := range []struct {
		status    int
		body      string
		maybeSent bool
	}{
		{502, "<html>Bad Gateway</html>", true},
		{504, "", true},
		{503, "upstream connect error", true},
		{500, "", true},
		{429, "Too Many Requests", false},
		{408, "", false},
	} {
		t.Run(fmt.Sprintf("non-Graph %d", tc.status), func(t *testing.T) {
			g.reply(tc.status, []byte(tc.body))
			_, err := c.SendMessage(context.Background(), tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Parsed || ClassOf(err) != RetryTransient || IsMaybeSent(err) != tc.maybeSent {
				t.Fatalf("%v: maybe sent %v, want %v", err, IsMaybeSent(err), tc.maybeSent)
			}
		})
	}
	t.Run("Graph's own 500 is a definite answer", func(t *testing.T) {
		g.reply(500, fixtures.Read(t, "graph/error_131000_unknown.json"))
		_, err := c.SendMessage(context.Background(), tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
		if IsMaybeSent(err) {
			t.Fatalf("%v counted as maybe sent", err)
		}
	})
	t.Run("success false", func(t *testing.T) {
		g.reply(200, []byte(`{"success":false}`))
		if err := c.RegisterPhone(context.Background(), tokenA, pnID, "123456"); err == nil {
			t.Fatal("success=false must be an error")
		}
	})
}

// A server that never answers: the context's deadline ends the call, the error says so,
// and it is a maybe-sent transport failure, not an API answer.
func TestClientHonoursDeadline(t *testing.T) {
	g := startGraphServer(t)
	g.mu.Lock()
	g.hold = make(chan struct{})
	g.mu.Unlock()
	c := newTestClient(t, g.url)

	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.SendMessage(ctx, tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("took %v", took)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTransport) {
			t.Fatalf("want deadline transport error, got %v", err)
		}
		if !IsMaybeSent(err) || ClassOf(err) != RetryTransient {
			t.Fatalf("a timed-out send must be maybe-sent and transient: %v", err)
		}
	})

	t.Run("call timeout without context deadline", func(t *testing.T) {
		c := newTestClient(t, g.url, func(o *ClientOptions) { o.CallTimeout = 150 * time.Millisecond })
		_, err := c.SendMessage(context.Background(), tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
		if !errors.Is(err, fasthttp.ErrTimeout) || !IsMaybeSent(err) {
			t.Fatalf("%v", err)
		}
	})

	t.Run("deadline only", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		dl := DeadlineOnly(ctx)
		if dl.Done() != nil {
			t.Fatal("a deadline-only context has a Done channel")
		}
		want, _ := ctx.Deadline()
		if d, ok := dl.Deadline(); !ok || !d.Equal(want) {
			t.Fatalf("deadline %v %v, want %v", d, ok, want)
		}
		start := time.Now()
		_, err := c.SendMessageRaw(dl, tokenA, pnID, []byte(`{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"}}`))
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("took %v: fasthttp did not enforce the deadline", took)
		}
		if !errors.Is(err, ErrTransport) || !IsMaybeSent(err) {
			t.Fatalf("want a maybe-sent transport error, got %v", err)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		start := time.Now()
		_, err := c.SendMessage(ctx, tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
		if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
			t.Fatalf("%v after %v", err, time.Since(start))
		}
	})
}

// A stored body goes out byte for byte, as JSON, and the answer decodes as SendMessage's.
func TestClientSendsRawBodiesAsTheyAre(t *testing.T) {
	g := startGraphServer(t)
	g.reply(200, fixtures.Read(t, "graph/send_success.json"))
	c := newTestClient(t, g.url)
	body := fixtures.Read(t, "requests/send_text_reply_with_context.json")
	resp, err := c.SendMessageRaw(context.Background(), tokenA, pnID, body)
	if err != nil {
		t.Fatal(err)
	}
	s := g.last(t)
	if string(s.body) != string(body) || s.contentType != "application/json" || s.path != "/v24.0/"+pnID+"/messages" || s.auth != "Bearer "+tokenA {
		t.Fatalf("server saw %s %s (%s, %s): %s", s.method, s.path, s.contentType, s.auth, s.body)
	}
	if resp.WAMID() == "" {
		t.Fatalf("no wamid in %+v", resp)
	}
}

// The departure stamp goes on a send only when the client was asked to write it (fakemeta and
// the bench); against Meta the context's departure stays in the process.
func TestClientStampsDeparturesOnlyWhenAsked(t *testing.T) {
	g := startGraphServer(t)
	g.reply(200, fixtures.Read(t, "graph/send_success.json"))
	left := time.Date(2026, 12, 7, 15, 0, 0, 123456789, time.UTC)
	ctx := departstamp.With(context.Background(), left)
	body := fixtures.Read(t, "requests/send_text_reply_with_context.json")
	for _, tc := range []struct {
		name  string
		stamp bool
		want  string
	}{
		{name: "off (the default)", want: ""},
		{name: "on", stamp: true, want: departstamp.Format(left)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, g.url, func(o *ClientOptions) { o.StampDepartures = tc.stamp })
			if _, err := c.SendMessageRaw(ctx, tokenA, pnID, body); err != nil {
				t.Fatal(err)
			}
			if got := g.last(t).departed; got != tc.want {
				t.Fatalf("%s = %q; want %q", departstamp.Header, got, tc.want)
			}
		})
	}
}

// Nothing listens: the request was never sent, so a resend is safe.
func TestClientConnectionRefusedIsNotMaybeSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, "http://"+addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.SendMessage(ctx, tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
	if !errors.Is(err, ErrTransport) || IsMaybeSent(err) || ClassOf(err) != RetryTransient {
		t.Fatalf("%v (maybe sent %v)", err, IsMaybeSent(err))
	}
}

func TestClientSecretsStayOutOfErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, "http://"+addr)
	_, err = c.ExchangeCode(context.Background(), "app", "the-app-secret", "the-code")
	if err == nil || strings.Contains(err.Error(), "the-app-secret") || strings.Contains(err.Error(), "the-code") {
		t.Fatalf("error leaks the query: %v", err)
	}
}

func TestNewClientValidates(t *testing.T) {
	for _, o := range []ClientOptions{
		{BaseURL: "ftp://graph.example"},
		{BaseURL: "graph.facebook.com"},
		{Version: "24.0"},
		{Version: "v24"},
	} {
		if _, err := NewClient(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	c, err := NewClient(ClientOptions{})
	if err != nil || c.base != "https://graph.facebook.com/v24.0" {
		t.Fatalf("%v %v", c, err)
	}
}
