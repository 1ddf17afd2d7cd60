package edge

import (
	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"
)

// Unmatched is the route label of requests no route handled: 404s, 405s, and requests the
// edge answered before routing (preflights, 400 duplicate parameter, 413, 429 of a limiter
// wrapped around the router). Their status tells them apart.
const Unmatched = "unmatched"

// Route returns the pattern of the route that handled ctx ("/api/v1/conversations/{id}"),
// or Unmatched. Labels and log fields use the pattern, never the raw path, so their number
// stays that of the routes. It needs the router's SaveMatchedRoutePath, and middleware
// wrapped around the router must call it after next: the router records the match.
func Route(ctx *fasthttp.RequestCtx) string {
	if p, ok := ctx.UserValue(router.MatchedRoutePathParam).(string); ok && p != "" {
		return p
	}
	return Unmatched
}
