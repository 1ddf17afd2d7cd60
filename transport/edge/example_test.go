package edge_test

import (
	"log/slog"
	"os"
	"time"

	"github.com/fasthttp/router"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

// The REST edge in the order the package documentation gives, around a router.
func Example() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	reg := prometheus.NewRegistry()
	metrics := edge.NewMetrics(reg)
	limiter := ratelimit.NewMemory() // ratelimit.NewRedis(client, "switchboard:rl:", limiter) with REDIS_URL
	defer limiter.Close()

	r := router.New()
	r.SaveMatchedRoutePath = true // route patterns for logs and metrics
	r.NotFound, r.MethodNotAllowed = edge.NotFound, edge.MethodNotAllowed
	r.GET("/metrics", metrics.Handler(reg))
	r.GET("/api/v1/health", func(ctx *fasthttp.RequestCtx) { httpx.OK(ctx, 200, "", "ok") })

	srv := &fasthttp.Server{
		Handler: httpx.Chain(r.Handler,
			edge.RequestID(),
			edge.AccessLog(logger),
			metrics.Middleware(),
			edge.Recover(logger),
			edge.SecurityHeaders(),
			edge.CORS([]string{"http://localhost:3000"}),
			edge.BodyLimit(1<<20),
			edge.HPP(),
			edge.RateLimit(limiter, ratelimit.Rule{Name: "api", Limit: 100, Window: 15 * time.Minute},
				edge.KeyByIP(0)),
		),
		MaxRequestBodySize: 4 << 20,
		ReadTimeout:        30 * time.Second,
	}
	edge.ConfigureServer(srv, logger)
	_ = srv // srv.ListenAndServe(":5000")
}
