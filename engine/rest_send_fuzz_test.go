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

// sendRoutes are the send endpoints FuzzSendBodies posts to, by the fuzzer's first byte.
var sendRoutes = []string{"send", "send-template", "send-media", "send-interactive", "send-reaction"}

// FuzzSendBodies posts any body, with any Idempotency-Key, to the send endpoints of a real
// node talking to fakemeta, as an agent of the conversation's tenant. Whatever comes in,
// the answer is the API's envelope: a 2xx with data, or an error whose code is one the
// OpenAPI description lists and whose status is not 500 (bad input is the client's error,
// never the server's). The seeds are one valid request per endpoint and a few broken ones;
// `go test -fuzz FuzzSendBodies -run '^$' ./engine` explores from them.
func FuzzSendBodies(f *testing.F) {
	r := startWithMeta(f, enginetest.Embedded, fakemeta.DefaultConfig(),
		map[string]string{"RATE_LIMIT_SEND": "100000000/1m", "RATE_LIMIT_API": "100000000/1m"})
	r.meta.AddDemoTemplates(wabaA)
	conv := r.customerWrites(f, r.tenantA, phoneA, userWaID)
	codes := errorCodesOf(f, r.Node)

	seed := func(route int, key string, body any) {
		b, _ := json.Marshal(body)
		f.Add(uint8(route), key, b)
	}
	seed(0, "", map[string]any{"conversationId": conv, "body": "Olá!", "previewUrl": true})
	seed(1, "k-1", map[string]any{"conversationId": conv, "templateName": "order_shipped", "language": "pt_BR", "components": orderShipped})
	seed(2, "", map[string]any{"conversationId": conv, "type": "image", "link": "https://example.com/a.jpg", "caption": "foto"})
	seed(3, "", map[string]any{"conversationId": conv, "interactive": map[string]any{"type": "button",
		"body":   map[string]any{"text": "Escolha"},
		"action": map[string]any{"buttons": []any{map[string]any{"type": "reply", "reply": map[string]any{"id": "a", "title": "A"}}}}}})
	seed(4, "", map[string]any{"conversationId": conv, "messageId": "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDNzE2", "emoji": "👍"})
	f.Add(uint8(0), "", []byte(`{"conversationId":`+fmt.Sprintf("%q", conv)+`,"body":"\ud800"}`))
	f.Add(uint8(3), "\x00key", []byte(`{"conversationId":1e999,"interactive":[]}`))
	f.Add(uint8(1), "", []byte(`{"components":[{"type":"button","index":"-1","parameters":[{}]}]}`))

	client := &fasthttp.Client{}
	base := "http://" + r.Engine.Addr()
	f.Fuzz(func(t *testing.T, route uint8, key string, body []byte) {
		path := "/api/v1/messages/" + sendRoutes[int(route)%len(sendRoutes)]
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.Header.SetMethod("POST")
		req.SetRequestURI(base + path)
		req.Header.Set("Authorization", "Bearer "+r.agent)
		req.Header.SetContentType("application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		req.SetBody(body)
		if err := client.DoTimeout(req, resp, 30*time.Second); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		res := struct {
			Status int
			Body   []byte
		}{resp.StatusCode(), resp.Body()}
		var env struct {
			Success *bool           `json:"success"`
			Data    json.RawMessage `json:"data"`
			Error   *struct {
				Code      string `json:"code"`
				RequestID string `json:"requestId"`
			} `json:"error"`
		}
		if err := json.Unmarshal(res.Body, &env); err != nil || env.Success == nil {
			t.Fatalf("%s answered %d with no envelope: %q", path, res.Status, res.Body)
		}
		switch {
		case res.Status >= http.StatusInternalServerError:
			t.Fatalf("%s answered %d to a client's body %q: %s", path, res.Status, body, res.Body)
		case *env.Success != (res.Status < 400):
			t.Fatalf("%s: status %d with success %v", path, res.Status, *env.Success)
		case !*env.Success && (env.Error == nil || !slices.Contains(codes, env.Error.Code) || env.Error.RequestID == ""):
			t.Fatalf("%s: %d with an error the API does not describe: %s", path, res.Status, res.Body)
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
