package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// fuzzRoute is one route FuzzAPIRequests calls, with whose token ("" for none).
type fuzzRoute struct {
	method, path string
	as           string // admin (platform), owner (the tenant's admin), ""
}

// FuzzAPIRequests calls the API's JSON routes with any query, body and Idempotency-Key, on
// a real node talking to fakemeta, as a user allowed to call them. Whatever comes in, the
// answer is the API's envelope: a success, or an error whose code is one the OpenAPI
// description lists and whose status is not 5xx (bad input is the client's error, never
// the server's). The seeds are one valid request per route and a few broken ones;
// `go test -fuzz FuzzAPIRequests -run '^$' ./engine` explores from them.
func FuzzAPIRequests(f *testing.F) {
	r := startWithMeta(f, enginetest.Embedded, fakemeta.DefaultConfig(),
		map[string]string{"RATE_LIMIT_SEND": "100000000/1m", "RATE_LIMIT_API": "100000000/1m", "RATE_LIMIT_AUTH": "100000000/1m", "RATE_LIMIT_AUTH_FAILURES": "100000000/1m", "RATE_LIMIT_LOGIN_ACCOUNT": "100000000/1m"})
	r.meta.AddDemoTemplates(wabaA)
	conv := r.customerWrites(f, r.tenantA, phoneA, userWaID)
	owner := r.Login(demoEmail, demoPassword)
	codes := errorCodesOf(f, r.Node)
	tokens := map[string]string{"admin": r.admin, "owner": owner}
	routes := []fuzzRoute{
		{"POST", "/messages/send", "owner"}, {"POST", "/messages/send-template", "owner"},
		{"POST", "/messages/send-media", "owner"}, {"POST", "/messages/send-interactive", "owner"},
		{"POST", "/messages/send-reaction", "owner"},
		{"POST", "/auth/login", ""}, {"POST", "/auth/register", "owner"}, {"GET", "/auth/me", "owner"},
		{"POST", "/tenants", "admin"}, {"GET", "/tenants", "admin"}, {"GET", "/tenants/" + r.tenantA + "/status", "owner"},
		{"GET", "/conversations", "owner"}, {"GET", "/conversations/" + conv, "owner"},
		{"PUT", "/conversations/" + conv + "/read", "owner"}, {"PUT", "/conversations/" + conv + "/typing", "owner"},
		{"PUT", "/conversations/" + conv + "/assign", "owner"},
		{"GET", "/messages/" + conv, "owner"}, {"GET", "/messages/" + conv + "/0123456789abcdef01234567", "owner"},
		{"POST", "/messages/" + conv + "/0123456789abcdef01234567/cancel", "owner"},
		{"GET", "/templates", "owner"}, {"POST", "/templates/sync", "owner"},
	}
	index := func(path string) uint8 {
		for i, rt := range routes {
			if rt.path == path {
				return uint8(i)
			}
		}
		f.Fatalf("no route %s", path)
		return 0
	}
	seed := func(path, query, key string, body any) {
		b, _ := json.Marshal(body)
		if body == nil {
			b = nil
		}
		f.Add(index(path), query, key, b)
	}
	seed("/messages/send", "", "", map[string]any{"conversationId": conv, "body": "Olá!", "previewUrl": true})
	seed("/messages/send-template", "", "k-1", map[string]any{"conversationId": conv, "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped})
	seed("/messages/send-media", "", "", map[string]any{"conversationId": conv, "type": "image", "link": "https://example.com/a.jpg", "caption": "foto"})
	seed("/messages/send-interactive", "", "", map[string]any{"conversationId": conv, "interactive": map[string]any{"type": "button",
		"body":   map[string]any{"text": "Escolha"},
		"action": map[string]any{"buttons": []any{map[string]any{"type": "reply", "reply": map[string]any{"id": "a", "title": "A"}}}}}})
	seed("/messages/send-reaction", "", "", map[string]any{"conversationId": conv, "messageId": "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDNzE2", "emoji": "👍"})
	seed("/auth/login", "", "", map[string]any{"email": "agent@whatsapp-saas.com", "password": "wrong"})
	seed("/auth/register", "", "", map[string]any{"email": "new.agent@example.com", "password": "Str0ng!Passw0rd", "name": "Nova", "role": "agent"})
	seed("/auth/me", "", "", nil)
	seed("/tenants", "", "", map[string]any{"name": "Loja Nova"})
	seed("/tenants", "page=2&limit=5", "", nil)
	seed("/conversations", "status=open&assignedTo=me&unread=true&search=55&page=1&limit=20", "", nil)
	seed("/conversations/"+conv+"/assign", "", "", map[string]any{"agentId": "0123456789abcdef01234567"})
	seed("/messages/"+conv, "page=1&limit=100", "", nil)
	seed("/templates", "status=APPROVED", "", nil)
	seed("/templates/sync", "", "", nil)
	f.Add(index("/messages/send"), "", "", []byte(`{"conversationId":`+fmt.Sprintf("%q", conv)+`,"body":"\ud800"}`))
	f.Add(index("/messages/send-interactive"), "", "\x00key", []byte(`{"conversationId":1e999,"interactive":[]}`))
	f.Add(index("/messages/send-template"), "", "", []byte(`{"components":[{"type":"button","index":"-1","parameters":[{}]}]}`))
	f.Add(index("/conversations"), "page=-1&limit=1e9&status=open&status=closed", "", []byte(nil))

	client := &fasthttp.Client{}
	base := "http://" + r.Engine.Addr()
	f.Fuzz(func(t *testing.T, route uint8, query, key string, body []byte) {
		// The request line and headers stay well inside the server's read buffer: beyond it
		// the server answers 431 and closes while a client may still be writing, and the
		// client sees a reset (transport/edge tests that answer).
		query, key = query[:min(len(query), 2048)], key[:min(len(key), 512)]
		rt := routes[int(route)%len(routes)]
		path := "/api/v1" + rt.path
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.Header.SetMethod(rt.method)
		req.SetRequestURI(base + path)
		// Any query a client can put on a request line: no spaces, controls or fragment.
		req.URI().SetQueryString(strings.Map(func(c rune) rune {
			if c <= ' ' || c == 0x7f || c == '#' {
				return -1
			}
			return c
		}, query))
		if rt.as != "" {
			req.Header.Set("Authorization", "Bearer "+tokens[rt.as])
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		if body != nil {
			req.Header.SetContentType("application/json")
			req.SetBody(body)
		}
		if err := client.DoTimeout(req, resp, 30*time.Second); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		status, answer := resp.StatusCode(), resp.Body()
		var env struct {
			Success *bool `json:"success"`
			Error   *struct {
				Code      string `json:"code"`
				RequestID string `json:"requestId"`
			} `json:"error"`
		}
		if err := json.Unmarshal(answer, &env); err != nil || env.Success == nil {
			t.Fatalf("%s answered %d with no envelope: %q", path, status, answer)
		}
		switch {
		case status >= http.StatusInternalServerError:
			t.Fatalf("%s answered %d to a client's body %q: %s", path, status, body, answer)
		case *env.Success != (status < 400):
			t.Fatalf("%s: status %d with success %v", path, status, *env.Success)
		case !*env.Success && (env.Error == nil || !slices.Contains(codes, env.Error.Code) || env.Error.RequestID == ""):
			t.Fatalf("%s: %d with an error the API does not describe: %s", path, status, answer)
		}
	})
}

// errorCodesOf is the error codes the node's OpenAPI description lists.
func errorCodesOf(t testing.TB, n *enginetest.Node) []string {
	t.Helper()
	res := n.Get("/api/v1/openapi.json", "")
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Properties map[string]struct {
						Enum []string `json:"enum"`
					} `json:"properties"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(res.Body, &spec); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	codes := spec.Components.Schemas["ErrorEnvelope"].Properties["error"].Properties["code"].Enum
	if len(codes) == 0 || !slices.Contains(codes, "validation_failed") {
		t.Fatalf("openapi.json lists no error codes: %s", strings.TrimSpace(string(res.Body[:min(len(res.Body), 200)])))
	}
	return codes
}
