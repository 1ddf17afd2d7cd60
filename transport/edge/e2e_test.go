package edge_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

// TestFullChain wires the edge as the package documentation does, in front of a router, on
// a real loopback socket, and walks one client through it.
func TestFullChain(t *testing.T) {
	const origin = "https://inbox.example.com"
	logs := &logBuffer{}
	logger := logs.logger(-8)
	reg := prometheus.NewRegistry()
	metrics := edge.NewMetrics(reg)
	mem := ratelimit.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	api := ratelimit.Rule{Name: "api", Limit: 8, Window: 15 * time.Minute}

	r := newRouter()
	scrape := metrics.Handler(reg)
	h := httpx.Chain(r.Handler,
		edge.RequestID(),
		edge.AccessLog(logger),
		metrics.Middleware(),
		edge.Recover(logger),
		edge.SecurityHeaders(),
		edge.CORS([]string{origin}),
		edge.BodyLimit(1024),
		edge.HPP("status"),
		edge.RateLimit(mem, api, edge.KeyByIP(0)),
	)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) == "/metrics" { // outside the chain: scrapes are not rate limited
			scrape(ctx)
			return
		}
		h(ctx)
	}, MaxRequestBodySize: 4096}
	edge.ConfigureServer(srv, logger)
	addr := serve(t, srv)
	fromInbox := []string{"Origin", origin}

	// 1. A normal request: id generated and echoed, headers, CORS, budget.
	resp := call(t, addr, request{path: "/api/v1/items/42", headers: fromInbox})
	if resp.StatusCode() != 200 || len(resp.Header.Peek("X-Request-Id")) != 16 ||
		string(resp.Header.Peek("Access-Control-Allow-Origin")) != origin ||
		string(resp.Header.Peek("X-Frame-Options")) != "SAMEORIGIN" ||
		string(resp.Header.Peek("X-RateLimit-Remaining")) != "7" || len(resp.Header.Peek("Server")) != 0 {
		t.Fatalf("first answer: %d\n%s", resp.StatusCode(), resp.Header.String())
	}

	// 2. The preflight is answered before the rate limit and costs no budget.
	resp = call(t, addr, request{method: "OPTIONS", path: "/api/v1/items", headers: append(fromInbox,
		"Access-Control-Request-Method", "POST")})
	if resp.StatusCode() != 204 || len(resp.Header.Peek("X-RateLimit-Remaining")) != 0 {
		t.Fatalf("preflight: %d\n%s", resp.StatusCode(), resp.Header.String())
	}

	// 3. Refusals in the envelope, with CORS headers so the page can read them.
	resp = call(t, addr, request{path: "/api/v1/items/1?page=1&page=2", headers: fromInbox})
	wantError(t, resp, 400, httpx.CodeDuplicateParam)
	if string(resp.Header.Peek("Access-Control-Allow-Origin")) != origin {
		t.Error("400 without CORS headers: the page cannot read why")
	}
	wantError(t, call(t, addr, request{method: "POST", path: "/api/v1/items", body: bytes.Repeat([]byte("x"), 2000)}),
		413, httpx.CodePayloadTooLarge)
	wantError(t, raw(t, addr, oversized(5000)), 413, httpx.CodePayloadTooLarge)

	// 4. A panic answers 500 and the next request is served.
	wantError(t, call(t, addr, request{path: "/api/v1/panic"}), 500, httpx.CodeInternal)
	if resp := call(t, addr, request{path: "/api/v1/items/43"}); resp.StatusCode() != 200 {
		t.Fatalf("after the panic: %d", resp.StatusCode())
	}

	// 5. The budget of 8 ends: 429 with Retry-After.
	var last *fasthttp.Response
	for range 10 {
		if last = call(t, addr, request{path: "/api/v1/items/44"}); last.StatusCode() == 429 {
			break
		}
	}
	e := wantError(t, last, 429, httpx.CodeRateLimited)
	if len(last.Header.Peek("Retry-After")) == 0 || e.Error.RequestID != string(last.Header.Peek("X-Request-Id")) {
		t.Fatalf("429 without Retry-After or request id:\n%s", last.Header.String())
	}

	// 6. Metrics carry route patterns; logs carry one line per request.
	body := string(call(t, addr, request{path: "/metrics"}).Body())
	for _, want := range []string{`route="/api/v1/items/{id}",status="200"`, `route="/api/v1/panic",status="500"`,
		`route="unmatched",status="429"`, `route="unmatched",status="204"`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	var requests, panics int
	for _, l := range logs.lines(t) {
		switch l["msg"] {
		case "request":
			requests++
		case "handler panicked":
			panics++
		}
	}
	if panics != 1 || requests < 8 {
		t.Errorf("%d request lines and %d panic lines", requests, panics)
	}
}
