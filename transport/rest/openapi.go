package rest

import (
	_ "embed"
	"net/http"

	"github.com/valyala/fasthttp"
)

// openAPI describes every route of the edge (OpenAPI 3.1), served at /api/v1/openapi.json.
// TestOpenAPICoversEveryRoute keeps it and the router in step, and its error codes with
// httpx's.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(ctx *fasthttp.RequestCtx) {
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("application/json; charset=utf-8")
	ctx.SetBody(openAPI)
}
