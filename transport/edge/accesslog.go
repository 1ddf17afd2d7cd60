package edge

import (
	"context"
	"log/slog"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// quietPath reports paths machines poll every few seconds; their lines go to debug level so
// they do not drown the requests people make.
func quietPath(p []byte) bool {
	switch string(p) {
	case "/metrics", "/api/v1/health":
		return true
	}
	return false
}

// AccessLog writes one structured line per request after it is answered: method, route
// pattern, path, status, duration, response bytes, request id and remote IP. 5xx answers
// log at error level, the rest at info (health checks and scrapes at debug).
func AccessLog(logger *slog.Logger) httpx.Middleware {
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			start := time.Now()
			next(ctx)
			status := ctx.Response.StatusCode()
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case quietPath(ctx.Path()):
				level = slog.LevelDebug
			}
			if !logger.Enabled(context.Background(), level) {
				return
			}
			logger.LogAttrs(context.Background(), level, "request",
				slog.String("method", string(ctx.Method())),
				slog.String("route", Route(ctx)),
				slog.String("path", string(ctx.Path())),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
				slog.Int("bytes", responseSize(&ctx.Response)),
				slog.String("request_id", httpx.RequestID(ctx)),
				slog.String("remote_ip", ctx.RemoteIP().String()),
			)
		}
	}
}

// responseSize is the body length, or the declared Content-Length of a streamed body
// (-1 when the stream's length is unknown).
func responseSize(r *fasthttp.Response) int {
	if r.IsBodyStream() {
		return r.Header.ContentLength()
	}
	return len(r.Body())
}
