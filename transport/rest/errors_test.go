package rest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/auth"
)

// A login that found every password slot taken is the service being busy, not a failure of
// ours: 503 with Retry-After, so clients back off and retry (it was a 500 internal_error).
func TestFailPasswordSlotsBusy(t *testing.T) {
	var ctx fasthttp.RequestCtx
	(&Server{}).fail(&ctx, fmt.Errorf("accounts: login: %w", auth.ErrBusy))
	if got := ctx.Response.StatusCode(); got != fasthttp.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %s", got, ctx.Response.Body())
	}
	if ra := string(ctx.Response.Header.Peek("Retry-After")); ra == "" {
		t.Fatal("no Retry-After")
	}
	if body := string(ctx.Response.Body()); !strings.Contains(body, `"code":"service_unavailable"`) {
		t.Fatalf("body %s", body)
	}
}
