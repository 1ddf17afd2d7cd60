package edge

import (
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

// NotFound is for router.NotFound: unknown paths answer in the envelope too.
func NotFound(ctx *fasthttp.RequestCtx) {
	httpx.Fail(ctx, httpx.NewError(http.StatusNotFound, httpx.CodeNotFound, "No such route"))
}

// MethodNotAllowed is for router.MethodNotAllowed; the router has set the Allow header.
func MethodNotAllowed(ctx *fasthttp.RequestCtx) {
	httpx.Fail(ctx, httpx.NewError(http.StatusMethodNotAllowed, httpx.CodeMethodNotAllowed,
		"Method not allowed on this route"))
}
