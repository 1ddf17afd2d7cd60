package edge_test

import (
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

func TestCORS(t *testing.T) {
	addr := serveHandler(t, httpx.Chain(newRouter().Handler,
		edge.CORS([]string{"https://inbox.example.com/", "*", "null"})))
	const allowed, other = "https://inbox.example.com", "https://evil.example"
	preflight := func(origin string) request {
		return request{method: fasthttp.MethodOptions, path: "/api/v1/items", headers: []string{
			"Origin", origin, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization, content-type"}}
	}
	tests := []struct {
		name      string
		req       request
		status    int
		allowOrig string // "" means no CORS headers
		preflight bool
		errorCode string
	}{
		{"allowed origin", request{path: "/api/v1/items/1", headers: []string{"Origin", allowed}}, 200, allowed, false, ""},
		{"no origin", request{path: "/api/v1/items/1"}, 200, "", false, ""},
		{"disallowed origin is served without CORS", request{path: "/api/v1/items/1", headers: []string{"Origin", other}}, 200, "", false, ""},
		{"wildcard in the list is not a wildcard", request{path: "/api/v1/items/1", headers: []string{"Origin", "https://x.example"}}, 200, "", false, ""},
		{"null in the list is not honoured", request{path: "/api/v1/items/1", headers: []string{"Origin", "null"}}, 200, "", false, ""},
		{"preflight allowed", preflight(allowed), 204, allowed, true, ""},
		{"preflight disallowed", preflight(other), 403, "", false, httpx.CodeForbidden},
		{"allowed origin on an error answer", request{path: "/nowhere", headers: []string{"Origin", allowed}}, 404, allowed, false, httpx.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, addr, tt.req)
			if tt.errorCode != "" {
				wantError(t, resp, tt.status, tt.errorCode)
			} else if resp.StatusCode() != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode(), tt.status)
			}
			h := func(name string) string { return string(resp.Header.Peek(name)) }
			if got := h("Access-Control-Allow-Origin"); got != tt.allowOrig {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tt.allowOrig)
			}
			if got, want := h("Access-Control-Allow-Credentials"), map[bool]string{true: "true"}[tt.allowOrig != ""]; got != want {
				t.Errorf("Access-Control-Allow-Credentials %q, want %q", got, want)
			}
			if v := h("Vary"); v == "" || v[:6] != "Origin" {
				t.Errorf("Vary %q, want it to start with Origin", v)
			}
			if tt.preflight {
				if h("Access-Control-Allow-Methods") == "" || h("Access-Control-Max-Age") == "" ||
					h("Access-Control-Allow-Headers") != "Authorization, Content-Type, X-Request-Id, Idempotency-Key" {
					t.Errorf("preflight headers: methods %q, headers %q, max-age %q", h("Access-Control-Allow-Methods"),
						h("Access-Control-Allow-Headers"), h("Access-Control-Max-Age"))
				}
				if len(resp.Body()) != 0 {
					t.Errorf("204 with a body: %s", resp.Body())
				}
			}
			if tt.allowOrig != "" && !tt.preflight && h("Access-Control-Expose-Headers") == "" {
				t.Error("no Access-Control-Expose-Headers: scripts cannot read X-Request-Id or Retry-After")
			}
		})
	}
}
