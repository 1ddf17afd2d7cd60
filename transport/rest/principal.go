package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

const principalKey = "switchboard.principal"

// principalOf returns the authenticated caller; only valid behind requireAuth.
func principalOf(ctx *fasthttp.RequestCtx) auth.Principal {
	p, _ := ctx.UserValue(principalKey).(auth.Principal)
	return p
}

// requireAuth admits requests carrying a valid bearer token of a live user.
func (s *Server) requireAuth(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		token, ok := bearer(ctx)
		if !ok {
			if s.tooManyAuthFailures(ctx) {
				return
			}
			ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="switchboard"`)
			httpx.Fail(ctx, httpx.NewError(http.StatusUnauthorized, httpx.CodeUnauthorized,
				"Authentication required: send Authorization: Bearer <token>"))
			return
		}
		// No deadline made here: the cache answers almost every request, and Authenticate
		// bounds the directory reads it makes on a miss.
		p, err := s.accounts.Authenticate(context.Background(), token)
		if err != nil {
			if errors.Is(err, auth.ErrTokenExpired) || errors.Is(err, auth.ErrTokenInvalid) {
				if s.tooManyAuthFailures(ctx) {
					return
				}
				ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="switchboard", error="invalid_token"`)
			}
			s.fail(ctx, err)
			return
		}
		ctx.SetUserValue(principalKey, p)
		next(ctx)
	}
}

// tooManyAuthFailures counts a request without a valid token against its client IP and,
// beyond RateAuthFailures, answers it 429 instead of 401: the per-user limit applies only
// once a user is known, and without this, token probing and anonymous load went unlimited.
// Valid tokens never count, so users behind one address are not held back by each other.
func (s *Server) tooManyAuthFailures(ctx *fasthttp.RequestCtx) bool {
	return s.overLimit(ctx, s.opts.RateAuthFailures, edge.KeyByIP(s.opts.TrustProxy)(ctx), "Too many requests without a valid token")
}

// overLimit counts one request against rule for key and, beyond it, answers 429 (what)
// and reports true. For limits whose key is known only inside a handler; the others are
// edge.RateLimit middleware.
func (s *Server) overLimit(ctx *fasthttp.RequestCtx, rule ratelimit.Rule, key, what string) bool {
	if s.opts.Limiter == nil || rule.Limit == 0 {
		return false
	}
	d, err := s.opts.Limiter.Allow(context.Background(), rule, key)
	if err != nil || d.Allowed {
		return false // a limiter in trouble lets requests through, as edge.RateLimit does
	}
	edge.Limited(ctx, d.RetryAfter, what)
	return true
}

func bearer(ctx *fasthttp.RequestCtx) (string, bool) {
	h := string(ctx.Request.Header.Peek(fasthttp.HeaderAuthorization))
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// userKey keys the per-user rate limits; empty (no limit) before authentication.
func userKey(ctx *fasthttp.RequestCtx) string {
	if p := principalOf(ctx); p.UserID != "" {
		return "user:" + p.UserID
	}
	return ""
}
