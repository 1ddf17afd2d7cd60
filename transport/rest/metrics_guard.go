package rest

import (
	"crypto/subtle"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// metricsGuard serves /metrics only to requests bearing token, when one is set: the
// figures (routes, volumes, the runtime) are the operator's, and the API port is often
// public. Compared in constant time. A request without the token counts against its address
// as any request without a valid token (tooManyAuthFailures), so the token cannot be guessed
// at the port's speed. Without a token, /metrics is open.
func (s *Server) metricsGuard(token string, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	if token == "" {
		return next
	}
	want := []byte(token)
	return func(ctx *fasthttp.RequestCtx) {
		got, _ := bearer(ctx) // the scheme read as every bearer is (case, spaces)
		if subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			if s.tooManyAuthFailures(ctx) {
				return
			}
			httpx.Fail(ctx, httpx.NewError(http.StatusUnauthorized, httpx.CodeUnauthorized, "GET /metrics needs the metrics token"))
			return
		}
		next(ctx)
	}
}
