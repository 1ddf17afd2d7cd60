package edge

import (
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// securityHeaders are helmet's defaults (helmet 8), which the Express platform Switchboard
// replaces sent on every answer, and Cache-Control: no-store, which helmet leaves out: the
// answers carry bearer tokens (login) and customers' names, numbers and messages, which a
// browser's disk cache or a proxy must not keep (a handler serving something public may set
// its own). The CSP is strict: the API answers JSON, and the web inbox serves its own
// scripts and styles from this origin.
func securityHeaders() [][2]string {
	return [][2]string{
		{"Cache-Control", "no-store"},
		{"Content-Security-Policy", "default-src 'self';base-uri 'self';font-src 'self' https: data:;" +
			"form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';" +
			"script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';" +
			"upgrade-insecure-requests"},
		{"Cross-Origin-Opener-Policy", "same-origin"},
		{"Cross-Origin-Resource-Policy", "same-origin"},
		{"Origin-Agent-Cluster", "?1"},
		{"Referrer-Policy", "no-referrer"},
		{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
		{"X-Content-Type-Options", "nosniff"},
		{"X-DNS-Prefetch-Control", "off"},
		{"X-Download-Options", "noopen"},
		{"X-Frame-Options", "SAMEORIGIN"},
		{"X-Permitted-Cross-Domain-Policies", "none"},
		{"X-XSS-Protection", "0"},
	}
}

// SecurityHeaders sets helmet's default headers before the handler runs, so a handler may
// still override one (a page needing another CSP).
//
// Helmet also removes X-Powered-By: naming the stack only helps attackers pick exploits.
// fasthttp's equivalent, "Server: fasthttp", cannot be removed from middleware (fasthttp
// re-adds its default to any answer without a Server value); ConfigureServer turns it off.
func SecurityHeaders() httpx.Middleware {
	headers := canonicalHeaders(securityHeaders())
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			setHeaders(&ctx.Response.Header, headers)
			next(ctx)
		}
	}
}

// fixedHeader is a header whose value never changes.
type fixedHeader struct {
	name  headerName
	value []byte
}

func canonicalHeaders(kvs [][2]string) []fixedHeader {
	out := make([]fixedHeader, len(kvs))
	for i, kv := range kvs {
		out[i] = fixedHeader{canonicalHeader(kv[0]), []byte(kv[1])}
	}
	return out
}

func setHeaders(h *fasthttp.ResponseHeader, headers []fixedHeader) {
	for _, f := range headers {
		f.name.set(h, f.value)
	}
}
