package httpx

import "github.com/valyala/fasthttp"

// Middleware wraps a handler.
type Middleware func(fasthttp.RequestHandler) fasthttp.RequestHandler

// Chain applies mws so the first one listed runs first (outermost).
func Chain(h fasthttp.RequestHandler, mws ...Middleware) fasthttp.RequestHandler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
