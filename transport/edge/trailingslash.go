package edge

import "github.com/valyala/fasthttp"

// withoutTrailingSlash is path without one trailing slash ("/" stays "/"). Express, which
// the platform Switchboard replaces ran on, routes /api/v1/conversations/ as
// /api/v1/conversations (non-strict routing), so its clients may send either.
func withoutTrailingSlash(path []byte) []byte {
	if n := len(path); n > 1 && path[n-1] == '/' {
		return path[:n-1]
	}
	return path
}

// TrailingSlash serves a path ending in one slash as the same path without it, instead of a
// 404 (or a redirect, which many clients follow for a POST by sending a GET). Wrap the
// router with it; RouteConfig matches paths the same way.
func TrailingSlash(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if p := ctx.Path(); len(withoutTrailingSlash(p)) != len(p) {
			// Copied: Path is the URI's own buffer, which SetPathBytes rewrites.
			ctx.URI().SetPathBytes(append([]byte(nil), withoutTrailingSlash(p)...))
		}
		next(ctx)
	}
}
