package edge

import (
	"bytes"
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
	return RateLimits(l, key, rule)
}

// RateLimits is RateLimit for a request every one of rules counts (a send: the API's rule
// and the sends' rule). A request one rule refuses counts against none of them, as a
// refused request counts against no rule alone: stacking RateLimit middleware instead spent
// the outer rules' budget on requests an inner one refused, so a client retrying against a
// closed send limit locked itself out of every read for the API window. The headers
// announce the rule with the fewest requests left (the one that refuses first), and
// RateLimit-Policy lists every rule.
//
// The rules after the first are looked at (Peek) before any is counted, so an allowed
// request costs 2n-1 limiter calls. Two requests racing for a rule's last place may still
// both pass the look and one be refused when counted, after the rules before were counted:
// the error is one request, for that race only.
func RateLimits(l ratelimit.Limiter, key func(*fasthttp.RequestCtx) string, rules ...ratelimit.Rule) httpx.Middleware {
	if len(rules) == 0 {
		panic("edge.RateLimits: no rule")
	}
	policies := make([][]byte, len(rules))
	limits := make([][]byte, len(rules))
	for i, rule := range rules {
		if err := rule.Validate(); err != nil {
			panic(fmt.Sprintf("edge.RateLimit: %v", err))
		}
		limits[i] = []byte(strconv.Itoa(rule.Limit))
		policies[i] = fmt.Appendf(nil, "%d;w=%d", rule.Limit, int((rule.Window+time.Second-1)/time.Second))
	}
	policy := bytes.Join(policies, []byte(", "))
	if key == nil || l == nil {
		panic("edge.RateLimit: nil limiter or key function")
	}
	var lastLogged atomic.Int64
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			k := key(ctx)
			if k == "" {
				next(ctx)
				return
			}
			i, d, err := decideAll(l, rules, k)
			if err != nil {
				logLimiterError(&lastLogged, ctx, rules[i], err)
				next(ctx)
				return
			}
			h := &ctx.Response.Header
			hdrXLimit.set(h, limits[i])
			hdrXRemaining.setInt(h, d.Remaining)
			hdrLimit.set(h, limits[i])
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

// decideAll counts one request of key against every rule unless one refuses it, and returns
// the deciding rule's index and decision: the refusing rule's, else the allowed rule with the
// fewest requests left. Contexts are not the RequestCtx: fasthttp recycles a RequestCtx once
// the handler returns, and a context derived from it (the limiter's WithTimeout) is still
// read by the runtime's timer after that, a data race the race detector catches.
func decideAll(l ratelimit.Limiter, rules []ratelimit.Rule, key string) (int, ratelimit.Decision, error) {
	for i := 1; i < len(rules); i++ {
		d, err := l.Peek(context.Background(), rules[i], key)
		if err != nil {
			return i, d, err
		}
		if !d.Allowed {
			return i, d, nil
		}
	}
	var tightest ratelimit.Decision
	at := 0
	for i, rule := range rules {
		d, err := l.Allow(context.Background(), rule, key)
		if err != nil || !d.Allowed {
			return i, d, err
		}
		if i == 0 || d.Remaining < tightest.Remaining {
			tightest, at = d, i
		}
	}
	return at, tightest, nil
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
