package rest

import (
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/transport/httpx"
)

// gate refuses (403 forbidden), before the request's query or body is read, a caller whose
// role may never use the route: a caller refused anyway is told so whatever it sent, not
// how to fix a request it may not make (API.md's roles). The service still decides the
// finer rules (which tenant, which role may be given). Only behind requireAuth.
func gate(may func(auth.Principal) bool, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if !may(principalOf(ctx)) {
			httpx.Fail(ctx, httpx.Forbidden(roleForbidden))
			return
		}
		next(ctx)
	}
}
