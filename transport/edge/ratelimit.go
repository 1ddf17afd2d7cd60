package edge

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

// limiterErrorLogEvery spaces out log lines about a failing limiter: it fails for every
// request at once, and one line says as much as ten thousand.
const limiterErrorLogEvery = 10 * time.Second

// RateLimit applies rule per key(ctx): it announces the budget in X-RateLimit-Limit and
// X-RateLimit-Remaining (and the IETF draft's RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Policy), and past it answers 429 rate_limited with Retry-After in whole
// seconds, rounded up.
//
// A key of "" is not limited (a rule keyed by user skips anonymous requests, which another
// rule keyed by IP covers). A failing limiter lets the request through and is logged (at
// most every 10 s): rate limiting protects the service, and refusing everyone because its
// counter store failed would do the attacker's work. ratelimit.Redis already falls back to
// memory, so this only happens without a fallback.
//
// It panics on an invalid rule or a nil key function: both are wiring mistakes to catch at
// start-up, not per request.
func RateLimit(l ratelimit.Limiter, rule ratelimit.Rule, key func(*fasthttp.RequestCtx) string) httpx.Middleware {
	if err := rule.Validate(); err != nil {
		panic(fmt.Sprintf("edge.RateLimit: %v", err))
	}
	if key == nil || l == nil {
		panic("edge.RateLimit: nil limiter or key function")
	}
	limit := []byte(strconv.Itoa(rule.Limit))
	policy := fmt.Appendf(nil, "%d;w=%d", rule.Limit, int((rule.Window+time.Second-1)/time.Second))
	var lastLogged atomic.Int64
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			k := key(ctx)
			if k == "" {
				next(ctx)
				return
			}
			// Not the RequestCtx as the context: fasthttp recycles it once the handler
			// returns, and a context derived from it (the limiter's WithTimeout) is still read
			// by the runtime's timer after that, a data race the race detector catches.
			d, err := l.Allow(context.Background(), rule, k)
			if err != nil {
				logLimiterError(&lastLogged, ctx, rule, err)
				next(ctx)
				return
			}
			h := &ctx.Response.Header
			hdrXLimit.set(h, limit)
			hdrXRemaining.setInt(h, d.Remaining)
			hdrLimit.set(h, limit)
			hdrRemaining.setInt(h, d.Remaining)
			hdrPolicy.set(h, policy)
			if d.Allowed {
				next(ctx)
				return
			}
			hdrReset.setInt(h, Limited(ctx, d.RetryAfter, "Too many requests"))
		}
	}
}

// Limited answers 429 rate_limited with Retry-After: what, and when to retry (after,
// rounded up to whole seconds); it returns those seconds. For limits a middleware cannot
// decide before the handler runs (requests that turn out to lack a valid token).
func Limited(ctx *fasthttp.RequestCtx, after time.Duration, what string) int {
	secs := retryAfterSeconds(after)
	e := httpx.NewError(http.StatusTooManyRequests, httpx.CodeRateLimited, fmt.Sprintf("%s; retry in %d s", what, secs))
	e.RetryAfterSeconds = secs
	httpx.Fail(ctx, e)
	return secs
}

var (
	hdrXLimit     = canonicalHeader("X-RateLimit-Limit")
	hdrXRemaining = canonicalHeader("X-RateLimit-Remaining")
	hdrLimit      = canonicalHeader("RateLimit-Limit")
	hdrRemaining  = canonicalHeader("RateLimit-Remaining")
	hdrPolicy     = canonicalHeader("RateLimit-Policy")
	hdrReset      = canonicalHeader("RateLimit-Reset")
)

// retryAfterSeconds rounds up, so a client that waits as told is not refused again, and
// is at least 1, because Retry-After: 0 invites an immediate retry loop.
func retryAfterSeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}

func logLimiterError(last *atomic.Int64, ctx *fasthttp.RequestCtx, rule ratelimit.Rule, err error) {
	now := time.Now().UnixNano()
	prev := last.Load()
	if now-prev < int64(limiterErrorLogEvery) || !last.CompareAndSwap(prev, now) {
		return
	}
	slog.Warn("rate limiter failed; letting requests through", "rule", rule.Name,
		"request_id", httpx.RequestID(ctx), "err", err)
}
