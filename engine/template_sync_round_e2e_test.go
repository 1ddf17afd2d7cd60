package engine_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/transport/graph"
)

// Regression: a periodic round's pause between tenants followed only a successful sync, so
// when Meta refused every list (down, a rate limit) the round asked for every tenant's list
// back to back, the burst the pause is there to prevent; and it went on after Meta's
// app-wide rate limit (4, "Application request limit reached"), which every other tenant's
// call meets too and which holds every tenant's sends (actors/pacer_account.go): each
// further call counted against the limit again. Now every tenant asked is spaced from the
// one before, an app-wide limit ends the round (the next round tries again), and a WABA's
// own limit (80007) does not: the next tenant's WABA is another.
func TestTemplateSyncRoundUnderMetaRefusals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		code      int
		wantCalls int
	}{
		{"app rate limit (4) ends the round", 4, 1},
		{"a WABA's rate limit (80007) does not", 80007, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var calls []time.Time
			body, err := json.Marshal((&graph.APIError{Code: tc.code, Type: "OAuthException",
				Message: "There have been too many calls; wait a bit and try again.", FBTraceID: "Atest"}).Envelope())
			if err != nil {
				t.Fatal(err)
			}
			url := serveTemplateLists(t, func(ctx *fasthttp.RequestCtx) {
				mu.Lock()
				calls = append(calls, time.Now())
				mu.Unlock()
				ctx.SetStatusCode(400)
				ctx.SetContentType("application/json")
				ctx.SetBody(body)
			})

			n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
				Env: map[string]string{"META_GRAPH_URL": url, "TEMPLATE_SYNC_INTERVAL": "0"}})
			addConnectedTenants(t, n, nil, 3)
			if synced := n.Engine.SyncAllTemplates(nil); synced != 0 {
				t.Fatalf("a round Meta refused throughout synced %d tenants", synced)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(calls) != tc.wantCalls {
				t.Fatalf("the round asked Meta %d times, want %d", len(calls), tc.wantCalls)
			}
			for i := 1; i < len(calls); i++ {
				if gap := calls[i].Sub(calls[i-1]); gap < 900*time.Millisecond {
					t.Errorf("tenant %d was asked %v after the one before: a burst, not a paced round", i, gap)
				}
			}
		})
	}
}

// serveTemplateLists stands in for Meta: answer serves every GET message_templates, any
// other path is a 404. It returns the base URL.
func serveTemplateLists(t *testing.T, answer fasthttp.RequestHandler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if !strings.HasSuffix(string(ctx.Path()), "/message_templates") {
			ctx.SetStatusCode(404)
			return
		}
		answer(ctx)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String()
}
