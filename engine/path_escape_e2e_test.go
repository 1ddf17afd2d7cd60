package engine_test

import (
	"fmt"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/internal/fixtures"
)

// A path parameter sent percent-encoded names what it encodes, as Express (which served
// this API before) decoded its params: a wamid is base64 and may hold '=', '+' and '/', which
// HTTP libraries encode in a path segment (encodeURIComponent, Python's quote(safe="")), and
// '/' can only be sent as %2F. An encoding that does not decode names nothing: 404.
func TestPathParametersArePercentDecoded(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	agent := n.Login(agentEmail, agentPassword)
	const wamid = "wamid.HBgNNTExOTg3NjU0MzIx+QIAEhgU/ENCN0Q2NjZENjg2NEQ5RkYzQUYA=="
	body := strings.Replace(string(fixtures.Read(t, "webhooks/inbound_text.json")),
		"wamid.HBgNNTExOTg3NjU0MzIxFQIAEhgUOENCN0Q2NjZENjg2NEQ5RkYzQUYA", wamid, 1)
	if r := postWebhook(t, n, []byte(body)); r.Status != 200 {
		t.Fatalf("webhook: %d %s", r.Status, r.Body)
	}
	waitProcessed(t, n, 1)
	tenant := demoTenantID(t, n)
	conv := actors.ConversationID(tenant, userWaID)
	encoded := strings.NewReplacer("=", "%3D", "+", "%2B", "/", "%2F").Replace(wamid)
	convEncoded := tenant + "%5F" + userWaID

	const base = "/api/v1"
	for _, tc := range []struct {
		name, method, path string
		status             int
		want               string // in the body when the status is 200
	}{
		{"a wamid encoded", "GET", "/messages/" + conv + "/" + encoded, 200, `"wamid":"` + wamid + `"`},
		{"a conversation id encoded", "GET", "/conversations/" + convEncoded, 200, `"id":"` + conv + `"`},
		{"a conversation's messages, its id encoded", "GET", "/messages/" + convEncoded, 200, `"wamid":"` + wamid + `"`},
		{"a conversation marked read, its id encoded", "PUT", "/conversations/" + convEncoded + "/read", 200, `"unreadCount":0`},
		{"a tenant's status, its id encoded", "GET", "/tenants/" + strings.Replace(tenant, "0", "%30", 1) + "/status", 403, ""},
		{"an escape that does not decode", "GET", "/messages/" + conv + "/wamid.%ZZ", 404, ""},
		{"an escape that does not decode in a conversation id", "GET", "/conversations/" + tenant + "%5", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, got := rawRequest(t, tc.method, n.Engine.Addr(), base+tc.path, agent)
			if status != tc.status || (tc.want != "" && !strings.Contains(got, tc.want)) {
				t.Fatalf("%s %s: %d %s, want %d with %s", tc.method, tc.path, status, got, tc.status, tc.want)
			}
			if status != 200 {
				var env struct{ Success bool }
				if err := json.Unmarshal([]byte(got), &env); err != nil || env.Success {
					t.Fatalf("not an error envelope: %s", got)
				}
			}
		})
	}
}

// rawRequest sends the path exactly as written: HTTP clients normalise a path's escaping,
// and refuse one that does not decode.
func rawRequest(t *testing.T, method, addr, path, token string) (int, string) {
	t.Helper()
	status, _, body := rawExchange(t, addr, fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		method, path, addr, token))
	return status, body
}
