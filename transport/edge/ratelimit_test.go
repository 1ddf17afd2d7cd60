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

// A 1.5 s window: Retry-After right after the first request must say 2, not 1. The limiter's
// window runs on the wall clock, so a second request more than half a second after the first
// (a loaded machine's pause) is owed 1 whichever way the edge rounds: such a pair proves
// nothing and is tried again under a new key, until one pair came close enough to tell.
func TestRetryAfterRoundsUp(t *testing.T) {
	mem := ratelimit.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	rule := ratelimit.Rule{Name: "short", Limit: 1, Window: 1500 * time.Millisecond}
	byHeader := func(ctx *fasthttp.RequestCtx) string { return string(ctx.Request.Header.Peek("X-Caller")) }
	addr := serveHandler(t, httpx.Chain(ok, edge.RateLimit(mem, rule, byHeader)))
	for attempt := range 20 {
		as := request{path: "/x", headers: []string{"X-Caller", "caller-" + strconv.Itoa(attempt)}}
		start := time.Now()
		call(t, addr, as)
		resp := call(t, addr, as)
		if time.Since(start) >= rule.Window-time.Second {
			continue // the window had less than a second left: 1 is right either way
		}
		if got := string(resp.Header.Peek("Retry-After")); got != "2" {
			t.Fatalf("Retry-After %q right after the first request of a 1.5 s window, want 2", got)
		}
		return
	}
	t.Fatal("no two requests came within half a second of each other in 20 tries")
}
