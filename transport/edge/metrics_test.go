package edge_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

func TestMetricsUseRoutePatterns(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics := edge.NewMetrics(reg)
	r := newRouter()
	r.GET("/metrics", metrics.Handler(reg))
	addr := serveHandler(t, httpx.Chain(r.Handler, metrics.Middleware(), edge.Recover(discard())))

	for _, path := range []string{"/api/v1/items/42", "/api/v1/items/43", "/api/v1/items/44", "/no/such/thing", "/api/v1/panic"} {
		call(t, addr, request{path: path})
	}
	call(t, addr, request{method: "BREW", path: "/api/v1/items/1"})

	body := string(call(t, addr, request{path: "/metrics"}).Body())
	for _, want := range []string{
		`switchboard_http_requests_total{method="GET",route="/api/v1/items/{id}",status="200"} 3`,
		`switchboard_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`switchboard_http_requests_total{method="GET",route="/api/v1/panic",status="500"} 1`,
		`switchboard_http_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
		`switchboard_http_request_duration_seconds_count{method="GET",route="/api/v1/items/{id}"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "/api/v1/items/42") {
		t.Error("a concrete path became a label")
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestNewMetricsTwiceSharesCollectors(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := edge.NewMetrics(reg), edge.NewMetrics(reg)
	h := httpx.Chain(ok, a.Middleware(), b.Middleware())
	var ctx fasthttp.RequestCtx
	h(&ctx)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "switchboard_http_requests_total" {
			if got := f.GetMetric()[0].GetCounter().GetValue(); got != 2 {
				t.Fatalf("counter %v, want 2 (both middlewares counted into one collector)", got)
			}
			return
		}
	}
	t.Fatal("counter not registered")
}
