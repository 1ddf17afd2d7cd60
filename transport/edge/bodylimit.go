package edge

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// BodyLimit answers 413 payload_too_large when a request body is larger than max bytes,
// checking the declared Content-Length first (no body inspection) and the received body
// when the length was not declared (chunked). It lets routes take less than the server's
// MaxRequestBodySize, which bounds what fasthttp reads at all (see ServerErrorHandler).
func BodyLimit(max int) httpx.Middleware {
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			n := ctx.Request.Header.ContentLength()
			if n < 0 { // -1 chunked, -2 identity without a length: measure what was read
				n = len(ctx.Request.Body())
			}
			if n > max {
				httpx.Fail(ctx, tooLarge(max))
				return
			}
			next(ctx)
		}
	}
}

func tooLarge(max int) *httpx.Error {
	msg := "Request body is too large"
	if max > 0 {
		msg = fmt.Sprintf("Request body is larger than %d bytes", max)
	}
	return httpx.NewError(http.StatusRequestEntityTooLarge, httpx.CodePayloadTooLarge, msg)
}

// RouteBounds are one route's own body limit and read timeout (Config), for requests with
// its Method that Admit accepts from their headers (nil: any).
type RouteBounds struct {
	Method string
	Config fasthttp.RequestConfig
	// Admit decides from the headers alone whether the larger bounds apply. fasthttp makes
	// room for the whole declared Content-Length before it reads the body, and checks a
	// token only after: without Admit, anonymous connections declaring 16 MiB each and
	// sending a byte a minute would make the server hold 16 MiB apiece.
	Admit func(*fasthttp.RequestHeader) bool
}

// RouteConfig gives the paths in routes their own bounds instead of the server's, decided
// from the request line and headers before the body is read (the server's HeaderReceived): a
// media upload may send 16 MiB for two minutes while every other request, and any request
// to that path its bounds do not admit, stays within the server's. A larger body answers 413
// like any other (ServerErrorHandler).
func RouteConfig(routes map[string]RouteBounds) func(*fasthttp.RequestHeader) fasthttp.RequestConfig {
	return func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		uri := h.RequestURI()
		if i := bytes.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
		r, ok := routes[string(withoutTrailingSlash(uri))] // the conversion does not allocate in a lookup
		if !ok || string(h.Method()) != r.Method || (r.Admit != nil && !r.Admit(h)) {
			return fasthttp.RequestConfig{} // zero: the server's
		}
		return r.Config
	}
}
