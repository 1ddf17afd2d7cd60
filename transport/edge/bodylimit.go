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

// RouteConfig gives the paths in routes their own body limit and read timeout instead of
// the server's, decided from the request line before the body is read (the server's
// HeaderReceived): a media upload may send 16 MiB for two minutes while every other
// request stays within the server's bounds. A larger body answers 413 like any other
// (ServerErrorHandler).
func RouteConfig(routes map[string]fasthttp.RequestConfig) func(*fasthttp.RequestHeader) fasthttp.RequestConfig {
	return func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		uri := h.RequestURI()
		if i := bytes.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
		return routes[string(uri)] // the conversion does not allocate in a lookup; zero: the server's
	}
}
