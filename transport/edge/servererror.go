package edge

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// ServerErrorHandler is for fasthttp.Server.ErrorHandler: requests fasthttp refuses while
// reading them (a body over MaxRequestBodySize, unparseable HTTP, a read timeout, headers
// over ReadBufferSize) answer in the JSON envelope like every other error, with a request
// id and the security headers, instead of fasthttp's plain text. fasthttp closes the
// connection afterwards.
//
// fasthttp refuses an oversized body after reading only the headers and closes without
// draining it, so a client still uploading may see a connection reset rather than this
// 413. MaxRequestBodySize is the hard stop; for an answer clients reliably read, set it
// above the largest BodyLimit, which runs after the body was read.
//
// Set fasthttp.Server.NoDefaultServerHeader too: fasthttp writes its Server header into
// these answers after this handler returns.
func ServerErrorHandler(logger *slog.Logger) func(*fasthttp.RequestCtx, error) {
	headers := canonicalHeaders(securityHeaders())
	return func(ctx *fasthttp.RequestCtx, err error) {
		id := ensureRequestID(ctx)
		setHeaders(&ctx.Response.Header, headers)
		e, level := serverError(err)
		logger.Log(context.Background(), level, "request refused by the HTTP server",
			"status", e.Status, "code", e.Code, "err", err,
			"request_id", id, "remote_ip", ctx.RemoteIP().String())
		httpx.Fail(ctx, e)
	}
}

// serverError maps a fasthttp read error to the answer and the log level: routine client
// trouble (idle or slow clients, oversized uploads) is not worth more than info.
func serverError(err error) (*httpx.Error, slog.Level) {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.Is(err, ErrBodyMemoryFull):
		e := httpx.NewError(http.StatusServiceUnavailable, httpx.CodeUnavailable,
			"The server is reading as many request bodies as it can hold; retry shortly")
		e.RetryAfterSeconds = bodyMemoryRetryAfter
		return e, slog.LevelInfo // counted in BodyMemory.Refusals; a flood is one line each
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return tooLarge(0), slog.LevelInfo
	case errors.As(err, &small):
		return httpx.NewError(http.StatusRequestHeaderFieldsTooLarge, httpx.CodeHeadersTooLarge,
			"Request headers are too large"), slog.LevelInfo
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return httpx.NewError(http.StatusRequestTimeout, httpx.CodeRequestTimeout,
			"The request did not arrive in time"), slog.LevelDebug
	default:
		return httpx.NewError(http.StatusBadRequest, httpx.CodeMalformedRequest,
			"The request is not valid HTTP"), slog.LevelInfo
	}
}
