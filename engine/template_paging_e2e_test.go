package engine_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/engine/enginetest"
)

// A template list whose paging comes back to a cursor already read (Meta answering the same
// page again, or two pages pointing at each other) would never end: the sync stops at the
// first repeat instead of spending its page cap (50 calls of the WABA's 200 per hour) on
// the same templates, and changes nothing.
func TestTemplateSyncStopsOnARepeatedCursor(t *testing.T) {
	for name, cursors := range map[string][]string{"same page": {"QVFI"}, "two pages in a cycle": {"QVFI", "QVFJ"}} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int64
			url := serveTemplateLists(t, func(ctx *fasthttp.RequestCtx) {
				n := calls.Add(1)
				after := cursors[int(n-1)%len(cursors)]
				ctx.SetContentType("application/json")
				ctx.SetBodyString(`{"data":[{"name":"hello_world","language":"en_US","status":"APPROVED","category":"UTILITY","id":"1",` +
					`"components":[{"type":"BODY","text":"Hello"}]}],"paging":{"cursors":{"before":"QVFH","after":"` + after +
					`"},"next":"https://graph.facebook.com/v24.0/x/message_templates?after=` + after + `"}}`)
			})

			n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
				Env: map[string]string{"META_GRAPH_URL": url, "TEMPLATE_SYNC_INTERVAL": "0"}})
			n.Seed()
			tenant := demoTenantID(t, n)
			setToken(t, n, tenant, tokenA)
			admin := n.Login(adminEmail, adminPassword)
			start := time.Now()
			res := n.Post("/api/v1/templates/sync?tenantId="+tenant, admin, nil)
			if res.Status == 200 {
				t.Fatalf("a sync whose paging never ends succeeded: %s", res.Body)
			}
			if got, want := calls.Load(), int64(len(cursors)+1); got != want {
				t.Fatalf("Meta was asked for %d pages (in %v), want %d: the first repeated cursor ends the sync", got, time.Since(start), want)
			}
		})
	}
}
