package edge_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

func TestBodyLimit(t *testing.T) {
	const limit = 1024
	addr := serveHandler(t, httpx.Chain(newRouter().Handler, edge.RequestID(), edge.BodyLimit(limit)))
	for _, size := range []int{0, limit} {
		resp := call(t, addr, request{method: "POST", path: "/api/v1/items", body: bytes.Repeat([]byte("a"), size)})
		if resp.StatusCode() != fasthttp.StatusCreated {
			t.Fatalf("%d bytes: status %d: %s", size, resp.StatusCode(), resp.Body())
		}
	}
	resp := call(t, addr, request{method: "POST", path: "/api/v1/items", body: bytes.Repeat([]byte("a"), limit+1)})
	wantError(t, resp, fasthttp.StatusRequestEntityTooLarge, httpx.CodePayloadTooLarge)

	// Without a Content-Length the received body is measured.
	chunk := strings.Repeat("a", 700)
	chunked := fmt.Sprintf("POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n",
		len(chunk), chunk, len(chunk), chunk)
	wantError(t, raw(t, addr, chunked), fasthttp.StatusRequestEntityTooLarge, httpx.CodePayloadTooLarge)
}

// TestServerErrorHandler: what fasthttp refuses before any handler runs answers in the
// envelope too, with a request id and the security headers.
func TestServerErrorHandler(t *testing.T) {
	srv := &fasthttp.Server{
		Handler:            newRouter().Handler,
		MaxRequestBodySize: 4096,
		ReadTimeout:        300 * time.Millisecond,
		ReadBufferSize:     2048,
	}
	edge.ConfigureServer(srv, slog.New(slog.DiscardHandler))
	addr := serve(t, srv)

	tests := []struct {
		name    string
		payload string
		status  int
		code    string
	}{
		{"body over MaxRequestBodySize", oversized(8192), 413, httpx.CodePayloadTooLarge},
		{"not HTTP", "HELLO THERE\r\n\r\n", 400, "malformed_request"},
		{"bad Content-Length", "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400, "malformed_request"},
		{"headers over the read buffer", "GET /api/v1/items/1 HTTP/1.1\r\nHost: x\r\nX-Big: " +
			strings.Repeat("b", 4096) + "\r\n\r\n", 431, "headers_too_large"},
		{"request stalls", "GET /api/v1/items/1 HTTP/1.1\r\nHost: x\r\n", 408, "request_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := raw(t, addr, tt.payload)
			e := wantError(t, resp, tt.status, tt.code)
			if id := string(resp.Header.Peek(edge.HeaderRequestID)); id == "" || id != e.Error.RequestID {
				t.Errorf("request id header %q, envelope %q", id, e.Error.RequestID)
			}
			if len(resp.Header.Peek("X-Content-Type-Options")) == 0 || len(resp.Header.Peek("Server")) != 0 {
				t.Errorf("headers: %s", resp.Header.String())
			}
		})
	}
}

// oversized is a request over a server's MaxRequestBodySize, written in one piece: fasthttp
// answers after reading the headers and closes without reading the body, so a client still
// writing (fasthttp.Client writes in 4 KiB pieces) may see a reset instead of the answer.
func oversized(size int) string {
	return fmt.Sprintf("POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\n\r\n%s", size, strings.Repeat("a", size))
}

// A route's own bounds are chosen from the request line and headers alone, query aside:
// other paths, other methods and requests the route does not admit keep the server's.
func TestRouteConfigChoosesByPath(t *testing.T) {
	limit := edge.RouteConfig(map[string]edge.RouteBounds{
		"/api/v1/media": {Method: "POST", Config: fasthttp.RequestConfig{MaxRequestBodySize: 16 << 20},
			Admit: func(h *fasthttp.RequestHeader) bool { return string(h.Peek("Authorization")) == "Bearer ok" }},
		"/api/v1/webhook": {Method: "POST", Config: fasthttp.RequestConfig{MaxRequestBodySize: 3 << 20}},
	})
	for _, c := range []struct {
		method, uri, auth string
		want              int
	}{
		{"POST", "/api/v1/media", "Bearer ok", 16 << 20},
		{"POST", "/api/v1/media?tenantId=abc", "Bearer ok", 16 << 20},
		{"POST", "/api/v1/media", "", 0},
		{"POST", "/api/v1/media", "Bearer forged", 0},
		{"PUT", "/api/v1/media", "Bearer ok", 0},
		{"POST", "/api/v1/media/", "Bearer ok", 16 << 20}, // routed as /api/v1/media (TrailingSlash)
		{"POST", "/api/v1/media//", "Bearer ok", 0},
		{"POST", "/api/v1/media2", "Bearer ok", 0},
		{"POST", "/api/v1/webhook", "", 3 << 20},
		{"GET", "/api/v1/webhook", "", 0},
	} {
		var h fasthttp.RequestHeader
		h.SetMethod(c.method)
		h.SetRequestURI(c.uri)
		if c.auth != "" {
			h.Set("Authorization", c.auth)
		}
		if got := limit(&h).MaxRequestBodySize; got != c.want {
			t.Errorf("%s %s (%q): limit %d, want %d", c.method, c.uri, c.auth, got, c.want)
		}
	}
}
