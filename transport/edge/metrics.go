package edge

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/switchboard/switchboard/transport/httpx"
)

// Metrics records the REST edge's traffic for Prometheus. Its collectors live in the
// Registerer given to NewMetrics, never in a package-level registry, so tests and several
// servers in one process each count their own.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers switchboard_http_requests_total{method,route,status} and
// switchboard_http_request_duration_seconds{method,route} with reg. Registering twice with
// one registry shares the collectors already there. It panics if reg holds different
// collectors under these names: a wiring mistake to see at start-up.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "switchboard_http_request_duration_seconds",
		Help:    "Time from the edge receiving a request to its answer, by method and route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	return &Metrics{
		requests: registerOnce(reg, requests),
		duration: registerOnce(reg, duration),
	}
}

func registerOnce[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic("edge.NewMetrics: " + err.Error())
}

// Middleware counts and times each request. Labels are bounded: the route pattern (see
// Route), the method folded to the standard ones, and the status code.
func (m *Metrics) Middleware() httpx.Middleware {
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			start := time.Now()
			next(ctx)
			// After next: the router records the matched route while it dispatches.
			method, route := methodLabel(ctx.Method()), Route(ctx)
			m.requests.WithLabelValues(method, route, strconv.Itoa(ctx.Response.StatusCode())).Inc()
			m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		}
	}
}

// Handler serves the text exposition of gatherer (mount it at /metrics).
func (m *Metrics) Handler(gatherer prometheus.Gatherer) fasthttp.RequestHandler {
	return fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{
		// A collector failing must not blank the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
	}))
}

// methodLabel keeps the method label bounded: a client may send any token as a method.
func methodLabel(m []byte) string {
	switch string(m) {
	case fasthttp.MethodGet:
		return fasthttp.MethodGet
	case fasthttp.MethodHead:
		return fasthttp.MethodHead
	case fasthttp.MethodPost:
		return fasthttp.MethodPost
	case fasthttp.MethodPut:
		return fasthttp.MethodPut
	case fasthttp.MethodPatch:
		return fasthttp.MethodPatch
	case fasthttp.MethodDelete:
		return fasthttp.MethodDelete
	case fasthttp.MethodOptions:
		return fasthttp.MethodOptions
	default:
		return "OTHER"
	}
}
