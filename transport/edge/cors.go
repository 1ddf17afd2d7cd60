package edge

import (
	"bytes"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// CORS policy for the web inbox (FRONTEND_URL) calling the API from its own origin.
const (
	corsAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	corsAllowHeaders = "Authorization, Content-Type, X-Request-Id, Idempotency-Key"
	// Browsers cache a preflight this long (Chrome caps it at 2 h); short, so a changed
	// origin list takes effect within minutes.
	corsMaxAge = "600"
	// Headers a browser script may read besides the CORS-safelisted ones: the request id for
	// bug reports and the rate limit state for back-off.
	corsExposeHeaders = "X-Request-Id, Retry-After, Idempotent-Replayed, X-RateLimit-Limit, X-RateLimit-Remaining, " +
		"RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy"
)

// CORS lets the listed origins ("https://inbox.example.com", scheme and host exactly; a
// trailing slash and letter case are ignored) call the API from a browser with
// credentials. An allowed Origin is reflected (never "*", which browsers refuse together
// with credentials, and which is therefore not accepted in the list either; nor is "null",
// the origin of sandboxed frames and files anyone can forge). Every answer carries
// "Vary: Origin" so shared caches keep answers per origin.
//
// Preflights (OPTIONS with Access-Control-Request-Method) are answered here, before rate
// limits and routing: 204 for an allowed origin, 403 JSON for any other. A simple request
// from a disallowed origin is served without CORS headers: the browser withholds the
// answer from the page, and non-browser clients are not CORS's business.
func CORS(allowedOrigins []string) httpx.Middleware {
	allowed := make(map[string]bool, len(allowedOrigins))
	for _, o := range allowedOrigins {
		if o = normalizeOrigin(o); o != "" && o != "*" && o != "null" {
			allowed[o] = true
		}
	}
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			h := &ctx.Response.Header
			addVary(h, "Origin")
			origin := ctx.Request.Header.Peek("Origin")
			preflight := ctx.IsOptions() && len(ctx.Request.Header.Peek("Access-Control-Request-Method")) > 0
			if len(origin) == 0 {
				next(ctx) // same-origin or not a browser
				return
			}
			if !allowed[normalizeOrigin(string(origin))] {
				if preflight {
					httpx.Fail(ctx, httpx.Forbidden("This origin may not call the API"))
					return
				}
				next(ctx)
				return
			}
			h.SetBytesV("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			if !preflight {
				h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
				next(ctx)
				return
			}
			addVary(h, "Access-Control-Request-Method")
			addVary(h, "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			ctx.SetStatusCode(fasthttp.StatusNoContent)
		}
	}
}

func normalizeOrigin(o string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
}

// addVary adds name to the Vary header unless it is there already.
func addVary(h *fasthttp.ResponseHeader, name string) {
	v := h.Peek(fasthttp.HeaderVary)
	switch {
	case len(v) == 0:
		h.Set(fasthttp.HeaderVary, name)
	case !bytes.Contains(bytes.ToLower(v), []byte(strings.ToLower(name))):
		h.Set(fasthttp.HeaderVary, string(v)+", "+name)
	}
}
