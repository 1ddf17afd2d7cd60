package edge_test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

func TestRateLimit(t *testing.T) {
	mem := ratelimit.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	rule := ratelimit.Rule{Name: "auth", Limit: 3, Window: 15 * time.Minute}
	byHeader := func(ctx *fasthttp.RequestCtx) string { return string(ctx.Request.Header.Peek("X-Caller")) }
	addr := serveHandler(t, httpx.Chain(ok, edge.RateLimit(mem, rule, byHeader)))
	as := func(caller string) request {
		return request{path: "/auth/login", headers: []string{"X-Caller", caller}}
	}

	for i := 1; i <= rule.Limit; i++ {
		resp := call(t, addr, as("alice"))
		if resp.StatusCode() != fasthttp.StatusOK {
			t.Fatalf("request %d: status %d", i, resp.StatusCode())
		}
		for name, want := range map[string]string{
			"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": strconv.Itoa(rule.Limit - i),
			"RateLimit-Limit": "3", "RateLimit-Remaining": strconv.Itoa(rule.Limit - i), "RateLimit-Policy": "3;w=900",
		} {
			if got := string(resp.Header.Peek(name)); got != want {
				t.Errorf("request %d: %s = %q, want %q", i, name, got, want)
			}
		}
	}
	resp := call(t, addr, as("alice"))
	wantError(t, resp, fasthttp.StatusTooManyRequests, httpx.CodeRateLimited)
	secs, err := strconv.Atoi(string(resp.Header.Peek("Retry-After")))
	if err != nil || secs < 1 || secs > 900 {
		t.Fatalf("Retry-After %q, want whole seconds in [1, 900]", resp.Header.Peek("Retry-After"))
	}
	if got := string(resp.Header.Peek("X-RateLimit-Remaining")); got != "0" {
		t.Errorf("X-RateLimit-Remaining on 429 = %q", got)
	}

	if resp := call(t, addr, as("bob")); resp.StatusCode() != fasthttp.StatusOK {
		t.Errorf("another caller: status %d", resp.StatusCode())
	}
	for range 5 { // an empty key is not limited
		if resp := call(t, addr, as("")); resp.StatusCode() != fasthttp.StatusOK || len(resp.Header.Peek("X-RateLimit-Limit")) != 0 {
			t.Fatalf("empty key: status %d, headers %s", resp.StatusCode(), resp.Header.String())
		}
	}
}

// TestRateLimitLetsThroughWhenTheLimiterFails uses a Redis limiter with no fallback and
// nothing listening: every decision errors, and requests still pass.
func TestRateLimitLetsThroughWhenTheLimiterFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	client := redis.NewClient(&redis.Options{Addr: dead, ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	limiter := ratelimit.NewRedis(client, "sbtest:edge:", nil)
	rule := ratelimit.Rule{Name: "api", Limit: 1, Window: time.Minute}
	addr := serveHandler(t, httpx.Chain(ok, edge.RateLimit(limiter, rule, edge.KeyByIP(0))))
	for i := range 3 {
		if resp := call(t, addr, request{path: "/x"}); resp.StatusCode() != fasthttp.StatusOK {
			t.Fatalf("request %d: status %d with a failing limiter", i+1, resp.StatusCode())
		}
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	mem := ratelimit.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	// A 1.5 s window: Retry-After must say 2, not 1.
	rule := ratelimit.Rule{Name: "short", Limit: 1, Window: 1500 * time.Millisecond}
	addr := serveHandler(t, httpx.Chain(ok, edge.RateLimit(mem, rule, edge.KeyByIP(0))))
	call(t, addr, request{path: "/x"})
	resp := call(t, addr, request{path: "/x"})
	if got := string(resp.Header.Peek("Retry-After")); got != "2" {
		t.Fatalf("Retry-After %q right after the first request of a 1.5 s window, want 2", got)
	}
}

// TestRateLimitsCountsARefusedRequestAgainstNoRule: under two rules, a request the second
// refuses leaves the first's budget alone, and the headers follow the rule closest to
// refusing.
func TestRateLimitsCountsARefusedRequestAgainstNoRule(t *testing.T) {
	mem := ratelimit.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	api := ratelimit.Rule{Name: "api", Limit: 5, Window: time.Hour}
	send := ratelimit.Rule{Name: "send", Limit: 2, Window: time.Minute}
	byIP := edge.KeyByIP(0)
	addr := serveHandler(t, httpx.Chain(ok, edge.RateLimits(mem, byIP, api, send)))
	readAddr := serveHandler(t, httpx.Chain(ok, edge.RateLimit(mem, api, byIP)))

	cases := []struct {
		addr                   string
		status                 int
		limit, remaining       string
		wantPolicy, retryAfter bool
	}{
		{addr, 200, "2", "1", true, false},      // send 1: api 4 left, send 1
		{addr, 200, "2", "0", true, false},      // send 2: api 3, send 0
		{addr, 429, "2", "0", true, true},       // refused by send: api keeps 3
		{addr, 429, "2", "0", true, true},       // again
		{readAddr, 200, "5", "2", false, false}, // a read: api 2 left
		{readAddr, 200, "5", "1", false, false},
		{readAddr, 200, "5", "0", false, false},
		{readAddr, 429, "5", "0", false, true},
		{addr, 429, "2", "0", true, true}, // both refuse now: the rule looked at first answers
	}
	for i, tc := range cases {
		resp := call(t, tc.addr, request{path: "/x"})
		if resp.StatusCode() != tc.status {
			t.Fatalf("request %d: status %d, want %d: %s", i+1, resp.StatusCode(), tc.status, resp.Body())
		}
		if got := string(resp.Header.Peek("RateLimit-Limit")); got != tc.limit {
			t.Errorf("request %d: RateLimit-Limit %q, want %q", i+1, got, tc.limit)
		}
		if got := string(resp.Header.Peek("X-RateLimit-Remaining")); got != tc.remaining {
			t.Errorf("request %d: X-RateLimit-Remaining %q, want %q", i+1, got, tc.remaining)
		}
		if got := string(resp.Header.Peek("RateLimit-Policy")); tc.wantPolicy && got != "5;w=3600, 2;w=60" {
			t.Errorf("request %d: RateLimit-Policy %q", i+1, got)
		}
		if got := len(resp.Header.Peek("Retry-After")) > 0; got != tc.retryAfter {
			t.Errorf("request %d: Retry-After present %v, want %v", i+1, got, tc.retryAfter)
		}
	}
}
