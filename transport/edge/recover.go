package edge

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// Recover turns a panic below it into a logged bug and a 500 internal_error answer, so one
// bad request never takes the process (and every other tenant's traffic) down; fasthttp
// itself does not recover handler panics.
//
// Headers set before the panic stay (the request id, security and CORS headers are set on
// the way in); the partial body is dropped.
func Recover(logger *slog.Logger) httpx.Middleware {
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				logger.Error("handler panicked",
					"request_id", httpx.RequestID(ctx),
					"method", string(ctx.Method()),
					"path", string(ctx.Path()),
					"panic", fmt.Sprint(v),
					"stack", string(debug.Stack()))
				ctx.Response.ResetBody()
				// An *httpx.Error: Fail writes it without logging the bug a second time.
				httpx.Fail(ctx, httpx.NewError(http.StatusInternalServerError, httpx.CodeInternal,
					"Internal server error"))
			}()
			next(ctx)
		}
	}
}
