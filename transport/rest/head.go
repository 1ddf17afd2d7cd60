package rest

import (
	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"
)

// headFollowsGet serves HEAD on every GET route with the GET's own handler, middleware and
// all; fasthttp leaves the body out of a HEAD answer and keeps its headers. Every
// general-purpose server answers HEAD (RFC 9110 §9.3.2): uptime monitors and load balancers
// probe with it, and Express, which served this API before, answered it on every GET
// route. Call it once every GET route, mounted ones included, is registered.
func headFollowsGet(r *router.Router) {
	for _, path := range r.List()[fasthttp.MethodGet] {
		// The route's own pattern matches itself (a {param} segment takes any text), and a
		// nil ctx only skips storing the parameters.
		if h, _ := r.Lookup(fasthttp.MethodGet, path, nil); h != nil {
			r.HEAD(path, h)
		}
	}
}
