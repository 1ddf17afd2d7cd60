package rest

import (
	"net/url"

	"github.com/valyala/fasthttp"
)

// pathParam is the router's :name parameter percent-decoded, and false when it is absent
// or its escaping does not decode (it then names nothing: the caller's 404). The router
// matches the path as it was sent (so %2F stays inside one segment), and hands the
// parameter over still encoded; Express, which served this API before, decoded it, and
// HTTP libraries encode a wamid's '=', '+' and '/' in a path segment.
func pathParam(ctx *fasthttp.RequestCtx, name string) (string, bool) {
	raw, _ := ctx.UserValue(name).(string)
	v, err := url.PathUnescape(raw)
	if err != nil || v == "" {
		return "", false
	}
	return v, true
}
