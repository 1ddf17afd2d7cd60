package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

const principalKey = "switchboard.principal"

// principalOf returns the authenticated caller; only valid behind requireAuth.
func principalOf(ctx *fasthttp.RequestCtx) auth.Principal {
	p, _ := ctx.UserValue(principalKey).(auth.Principal)
	return p
}

// authorOf is the authenticated caller as a message names them: who sent it (sentBy), or
// canceled it (canceledBy).
func authorOf(ctx *fasthttp.RequestCtx) *actors.MessageAuthor {
	p := principalOf(ctx)
	return &actors.MessageAuthor{UserID: p.UserID, Role: string(p.Role)}
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
				"Authentication required: send one Authorization: Bearer <token> header"))
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
	rule := s.opts.RateAuthFailures
	if s.opts.Limiter == nil || rule.Limit == 0 {
		return false
	}
	d, err := s.opts.Limiter.Allow(context.Background(), rule, s.ipKey(ctx))
	if err != nil || d.Allowed {
		return false // a limiter in trouble lets requests through, as edge.RateLimit does
	}
	edge.Limited(ctx, d.RetryAfter, "Too many requests without a valid token")
	return true
}

// AdmitUpload reports, from the request's headers alone, whether its bearer token
// authenticates (a user still active in an active tenant): the server's HeaderReceived gives
// only such an upload MEDIA_UPLOAD_LIMIT (edge.RouteBounds.Admit), before the body is read.
// requireAuth checks it again once the body is in.
func (s *Server) AdmitUpload(h *fasthttp.RequestHeader) bool {
	token, ok := bearerOf(h)
	if !ok || s.accounts == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), admitTimeout)
	defer cancel()
	_, err := s.accounts.Authenticate(ctx, token)
	return err == nil
}

// admitTimeout bounds the directory read behind an upload's admission (rare: Authenticate
// answers from its cache on the hot path).
const admitTimeout = 2 * time.Second

func bearer(ctx *fasthttp.RequestCtx) (string, bool) { return bearerOf(&ctx.Request.Header) }

// bearerOf reads the request's one Authorization header. Two of them are no credential: the
// header is not a list (RFC 9110 §11.6.2), and a proxy and the server disagreeing on which
// counts is how requests get authenticated as someone they are not.
func bearerOf(rh *fasthttp.RequestHeader) (string, bool) {
	all := rh.PeekAll(fasthttp.HeaderAuthorization)
	if len(all) != 1 {
		return "", false
	}
	h := string(all[0])
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
