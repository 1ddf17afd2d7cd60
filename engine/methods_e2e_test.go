package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/engine/enginetest"
)

// HEAD is a GET without its body (RFC 9110 §9.3.2; uptime monitors and load balancers probe
// with it, and Express, which served this API before, answered it on every GET route), and a
// plain OPTIONS answers the methods a path takes. A 405's Allow lists only methods the path
// serves.
func TestHeadAndOptionsFollowTheRoutes(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	agent := n.Login(agentEmail, agentPassword)
	for _, tc := range []struct {
		name   string
		req    enginetest.Request
		status int
		allow  string // the Allow header wanted, when not empty
	}{
		{"HEAD of the health check", enginetest.Request{Method: "HEAD", Path: "/api/v1/health"}, 200, ""},
		{"HEAD of a guarded GET with a token", enginetest.Request{Method: "HEAD", Path: "/api/v1/auth/me", Token: agent}, 200, ""},
		{"HEAD of a guarded GET without one", enginetest.Request{Method: "HEAD", Path: "/api/v1/auth/me"}, 401, ""},
		{"HEAD of a role's GET it may not use", enginetest.Request{Method: "HEAD", Path: "/api/v1/tenants", Token: agent}, 403, ""},
		{"HEAD of a POST-only route", enginetest.Request{Method: "HEAD", Path: "/api/v1/auth/login"}, 405, "OPTIONS, POST"},
		{"OPTIONS of a GET route", enginetest.Request{Method: "OPTIONS", Path: "/api/v1/conversations"}, 204, "GET, HEAD, OPTIONS"},
		{"OPTIONS of a GET and POST route", enginetest.Request{Method: "OPTIONS", Path: "/api/v1/tenants"}, 204, "GET, HEAD, OPTIONS, POST"},
		{"OPTIONS of no route", enginetest.Request{Method: "OPTIONS", Path: "/api/v1/nope"}, 404, ""},
		{"a method the path does not take", enginetest.Request{Method: "DELETE", Path: "/api/v1/conversations", Token: agent}, 405, "GET, HEAD, OPTIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := n.Do(tc.req)
			if r.Status != tc.status {
				t.Fatalf("want %d, got %d %v %s", tc.status, r.Status, r.Header, r.Body)
			}
			if tc.allow != "" && r.Header["Allow"] != tc.allow {
				t.Fatalf("Allow %q, want %q", r.Header["Allow"], tc.allow)
			}
			if tc.req.Method == "HEAD" && len(r.Body) != 0 {
				t.Fatalf("HEAD answered a body: %s", r.Body)
			}
		})
	}
	// HEAD answers what GET would, headers included.
	get, head := n.Get("/api/v1/auth/me", agent), n.Do(enginetest.Request{Method: "HEAD", Path: "/api/v1/auth/me", Token: agent})
	if get.Header["Content-Type"] != head.Header["Content-Type"] || head.Header["Content-Length"] != get.Header["Content-Length"] {
		t.Fatalf("HEAD headers %v differ from GET's %v", head.Header, get.Header)
	}
}

// A path the router does not have as written (another case, an empty or dot segment) is the
// JSON 404, not a redirect to the path it guessed: the router built that redirect's Location
// from the request's Host and the connection's scheme, so behind the TLS-terminating proxy
// TRUST_PROXY describes it sent clients (and their bearer tokens, curl -L and most libraries
// follow a redirect to the same host) to http://, and it answered no envelope.
func TestNoRedirectToAGuessedPath(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	agent := n.Login(agentEmail, agentPassword)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/Conversations"},
		{"GET", "/API/V1/AUTH/ME"},
		{"POST", "/api/v1/Messages/send"},
		{"GET", "/api/v1//conversations"},
		{"GET", "/api/v1/templates/../conversations"},
	} {
		status, header, body := rawExchange(t, n.Engine.Addr(), fmt.Sprintf(
			"%s %s HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			tc.method, tc.path, agent))
		if status != 404 || header.Get("Location") != "" || !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("%s %s: %d (Location %q) %s, want the JSON 404", tc.method, tc.path, status, header.Get("Location"), body)
		}
	}
}
