package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/transport/httpx"
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
				ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="switchboard", error="invalid_token"`)
			}
			s.fail(ctx, err)
			return
		}
		ctx.SetUserValue(principalKey, p)
		next(ctx)
	}
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
