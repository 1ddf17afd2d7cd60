package edge_test

import (
	"bytes"
	"testing"

	"github.com/switchboard/switchboard/transport/edge"
)

// A path with one trailing slash is served as the path without it, as Express served the
// platform's routes; the matched route pattern is the route's, and other paths still 404.
func TestTrailingSlash(t *testing.T) {
	addr := serveHandler(t, edge.TrailingSlash(newRouter().Handler))
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/v1/items/7", 200, `"id":"7"`},
		{"GET", "/api/v1/items/7/", 200, `"id":"7"`},
		{"GET", "/api/v1/items/7/?x=1", 200, `"id":"7"`},
		{"POST", "/api/v1/items/", 201, `"bytes":2`},
		{"GET", "/api/v1/nowhere/", 404, `"not_found"`},
		{"GET", "/", 404, `"not_found"`},
	} {
		r := request{method: c.method, path: c.path}
		if c.method == "POST" {
			r.body = []byte("{}")
		}
		resp := call(t, addr, r)
		if resp.StatusCode() != c.status || !bytes.Contains(resp.Body(), []byte(c.body)) {
			t.Errorf("%s %s: %d %s, want %d with %s", c.method, c.path, resp.StatusCode(), resp.Body(), c.status, c.body)
		}
	}
}
