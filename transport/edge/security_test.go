package edge_test

import (
	"log/slog"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

func TestSecurityHeaders(t *testing.T) {
	srv := &fasthttp.Server{Handler: httpx.Chain(newRouter().Handler, edge.SecurityHeaders())}
	edge.ConfigureServer(srv, slog.New(slog.DiscardHandler))
	addr := serve(t, srv)
	want := map[string]string{
		"Content-Security-Policy":           "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
		"Cross-Origin-Opener-Policy":        "same-origin",
		"Cross-Origin-Resource-Policy":      "same-origin",
		"Origin-Agent-Cluster":              "?1",
		"Referrer-Policy":                   "no-referrer",
		"Strict-Transport-Security":         "max-age=31536000; includeSubDomains",
		"X-Content-Type-Options":            "nosniff",
		"X-DNS-Prefetch-Control":            "off",
		"X-Download-Options":                "noopen",
		"X-Frame-Options":                   "SAMEORIGIN",
		"X-Permitted-Cross-Domain-Policies": "none",
		"X-XSS-Protection":                  "0",
		// Answers hold bearer tokens (login) and customers' names, numbers and messages: no
		// browser or proxy cache may keep them.
		"Cache-Control": "no-store",
	}
	answers := map[string]*fasthttp.Response{
		"handler":        call(t, addr, request{path: "/api/v1/items/1"}),
		"not found":      call(t, addr, request{path: "/not-a-route"}),
		"server refusal": raw(t, addr, "NOT HTTP\r\n\r\n"),
	}
	for name, resp := range answers {
		for header, value := range want {
			if got := string(resp.Header.Peek(header)); got != value {
				t.Errorf("%s: %s = %q, want %q", name, header, got, value)
			}
		}
		if s := resp.Header.Peek("Server"); len(s) != 0 {
			t.Errorf("%s: Server header %q leaks the stack", name, s)
		}
	}
}
