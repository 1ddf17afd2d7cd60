package rest

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// With METRICS_TOKEN set, /metrics answers only its bearer; without it, anyone.
func TestMetricsGuard(t *testing.T) {
	ok := func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(fasthttp.StatusOK) }
	for _, tc := range []struct {
		name, token, auth string
		want              int
	}{
		{"no token set: open", "", "", 200},
		{"the token", "s3cret", "Bearer s3cret", 200},
		{"no credentials", "s3cret", "", 401},
		{"another token", "s3cret", "Bearer s3cre", 401},
		{"not a bearer", "s3cret", "s3cret", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			if tc.auth != "" {
				ctx.Request.Header.Set("Authorization", tc.auth)
			}
			(&Server{}).metricsGuard(tc.token, ok)(&ctx) // no limiter: only the token decides
			if got := ctx.Response.StatusCode(); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
		})
	}
}
