package edge

import (
	"encoding/hex"
	"math/rand/v2"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// HeaderRequestID carries the request id both ways.
const HeaderRequestID = "X-Request-Id"

var hdrRequestID = canonicalHeader(HeaderRequestID)

const maxRequestIDLen = 64

// RequestID gives each request an id: the caller's X-Request-Id when it is sane (1–64 of
// [A-Za-z0-9._-], so it is safe in logs and headers), else a new one. The id is stored for
// httpx (error envelopes carry it) and echoed in the X-Request-Id response header, so a
// support ticket quoting it finds the log lines.
func RequestID() httpx.Middleware {
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			id := string(ctx.Request.Header.Peek(HeaderRequestID))
			if !validRequestID(id) {
				id = newRequestID()
			}
			httpx.SetRequestID(ctx, id)
			hdrRequestID.setString(&ctx.Response.Header, id)
			next(ctx)
		}
	}
}

// ensureRequestID assigns an id to a request that did not pass through RequestID (fasthttp
// errors answered before any middleware ran).
func ensureRequestID(ctx *fasthttp.RequestCtx) string {
	id := httpx.RequestID(ctx)
	if id == "" {
		id = newRequestID()
		httpx.SetRequestID(ctx, id)
		ctx.Response.Header.Set(HeaderRequestID, id)
	}
	return id
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// newRequestID is 64 random bits in hex. math/rand/v2's generator is per-thread ChaCha8:
// lock-free, no system call, and unpredictable enough for an id that is not a secret.
func newRequestID() string {
	var raw [8]byte
	u := rand.Uint64()
	for i := range raw {
		raw[i] = byte(u >> (8 * i))
	}
	return hex.EncodeToString(raw[:])
}
