package rest

import (
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

// A handler's panic is answered 500 by edge.Recover, and the metrics count that 500 under
// its route: an operator's 5xx alert must see panics. The metrics middleware stood inside
// Recover, so a panic unwound past it and the request was never counted.
func TestMetricsCountAPanicAs500(t *testing.T) {
	reg := prometheus.NewRegistry()
	rule := ratelimit.Rule{Name: "test", Limit: 10, Window: time.Minute}
	s := New(Options{Limiter: ratelimit.NewMemory(), RateAPI: rule, RateAuth: rule, RateSend: rule, RateMessageFetch: rule,
		Metrics: edge.NewMetrics(reg), Gatherer: reg, Logger: slog.New(slog.DiscardHandler),
		Mount: []func(*router.Router){func(r *router.Router) {
			r.GET("/api/v1/boom", func(*fasthttp.RequestCtx) { panic("a handler's bug") })
		}}})
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: s.Handler()}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })

	status, _, err := fasthttp.GetTimeout(nil, "http://"+ln.Addr().String()+"/api/v1/boom", 5*time.Second)
	if err != nil || status != 500 {
		t.Fatalf("panic answered %d (%v), want 500", status, err)
	}
	if got := counted(t, reg, "GET", "/api/v1/boom", "500"); got != 1 {
		t.Fatalf("the panic's 500 counted %v times, want 1", got)
	}
}

// counted is switchboard_http_requests_total for one method, route and status.
func counted(t *testing.T, reg *prometheus.Registry, method, route, status string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"method": method, "route": route, "status": status}
	for _, f := range families {
		if f.GetName() != "switchboard_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			match := true
			for _, l := range m.GetLabel() {
				match = match && want[l.GetName()] == l.GetValue()
			}
			if match {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
