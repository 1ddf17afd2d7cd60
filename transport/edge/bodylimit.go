package edge

import (
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
