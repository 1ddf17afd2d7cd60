package edge_test

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/router"
	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

// serve runs srv on a real loopback socket until the test ends and returns its address.
func serve(t *testing.T, srv *fasthttp.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// serveHandler serves h with the settings the edge's documentation asks for.
func serveHandler(t *testing.T, h fasthttp.RequestHandler) string {
	srv := &fasthttp.Server{Handler: h}
	edge.ConfigureServer(srv, slog.New(slog.DiscardHandler))
	return serve(t, srv)
}

// request is one request for call; headers are name, value pairs.
type request struct {
	method, path string
	body         []byte
	headers      []string
}

// call sends r to addr through a real fasthttp.Client.
func call(t *testing.T, addr string, r request) *fasthttp.Response {
	t.Helper()
	req := &fasthttp.Request{}
	req.SetRequestURI("http://" + addr + r.path)
	req.Header.SetMethod(cmpOr(r.method, fasthttp.MethodGet))
	for i := 0; i+1 < len(r.headers); i += 2 {
		req.Header.Set(r.headers[i], r.headers[i+1])
	}
	if r.body != nil {
		req.Header.SetContentType("application/json")
		req.SetBody(r.body)
	}
	resp := &fasthttp.Response{}
	client := &fasthttp.Client{ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	if err := client.Do(req, resp); err != nil {
		t.Fatalf("%s %s: %v", req.Header.Method(), r.path, err)
	}
	return resp
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// raw writes payload on a new connection and returns everything the server sends until it
// closes the connection.
func raw(t *testing.T, addr, payload string) *fasthttp.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, payload); err != nil {
		t.Fatal(err)
	}
	resp := &fasthttp.Response{}
	if err := resp.Read(bufio.NewReader(c)); err != nil {
		t.Fatalf("reading the answer to %q: %v", payload, err)
	}
	return resp
}

// envelope is the error envelope of API.md.
type envelope struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	Error   struct {
		Code      string         `json:"code"`
		Details   []httpx.Detail `json:"details"`
		RequestID string         `json:"requestId"`
	} `json:"error"`
}

// wantError checks resp is an error envelope with status and code, and returns it.
func wantError(t *testing.T, resp *fasthttp.Response, status int, code string) envelope {
	t.Helper()
	if resp.StatusCode() != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode(), status, resp.Body())
	}
	if ct := string(resp.Header.ContentType()); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, resp.Body())
	}
	var e envelope
	if err := json.Unmarshal(resp.Body(), &e); err != nil {
		t.Fatalf("body is not the envelope: %v: %s", err, resp.Body())
	}
	if e.Success || e.Error.Code != code || e.Message == "" {
		t.Fatalf("envelope %+v, want success false, code %q and a message", e, code)
	}
	return e
}

// newRouter is a small API: the route patterns are what logs and metrics must show.
func newRouter() *router.Router {
	r := router.New()
	r.SaveMatchedRoutePath = true
	r.NotFound = edge.NotFound
	r.MethodNotAllowed = edge.MethodNotAllowed
	r.GET("/api/v1/items/{id}", func(ctx *fasthttp.RequestCtx) {
		httpx.OK(ctx, fasthttp.StatusOK, "", map[string]any{"id": ctx.UserValue("id")})
	})
	r.POST("/api/v1/items", func(ctx *fasthttp.RequestCtx) {
		httpx.OK(ctx, fasthttp.StatusCreated, "Created", map[string]int{"bytes": len(ctx.PostBody())})
	})
	r.GET("/api/v1/panic", func(*fasthttp.RequestCtx) { panic("handler bug") })
	r.GET("/api/v1/health", func(ctx *fasthttp.RequestCtx) { httpx.OK(ctx, fasthttp.StatusOK, "", "ok") })
	return r
}

// ok is a handler answering 200 with a success envelope.
func ok(ctx *fasthttp.RequestCtx) { httpx.OK(ctx, fasthttp.StatusOK, "", "ok") }

// logBuffer collects JSON log lines from concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level}))
}

// lines decodes every log line written so far.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
