package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/httpx"
)

type dependency struct {
	Status    string  `json:"status"` // ok, down or not_configured
	Backend   string  `json:"backend,omitempty"`
	LatencyMS float64 `json:"latencyMs,omitempty"`
	Error     string  `json:"error,omitempty"`
}

type healthReport struct {
	Status        string     `json:"status"` // ok or degraded
	Version       string     `json:"version"`
	UptimeSeconds int64      `json:"uptimeSeconds"`
	Store         dependency `json:"store"`
	Redis         dependency `json:"redis"`
}

// health answers liveness and readiness in one: 200 when the store answers (Redis down only
// degrades: the node keeps serving with local rate limits and its last topology), 503 when
// the store does not, so a load balancer stops sending traffic the node cannot keep.
func (s *Server) health(ctx *fasthttp.RequestCtx, c context.Context) {
	c, cancel := context.WithTimeout(c, 2*time.Second)
	defer cancel()
	rep := healthReport{Status: "ok", Version: s.opts.Version, UptimeSeconds: int64(time.Since(s.started).Seconds())}
	rep.Store = probe(c, s.opts.Store.Ping)
	rep.Store.Backend = s.opts.Store.Backend()
	rep.Redis = dependency{Status: "not_configured"}
	if s.opts.RedisPing != nil {
		rep.Redis = probe(c, s.opts.RedisPing)
	}
	status := http.StatusOK
	if rep.Store.Status != "ok" {
		rep.Status, status = "down", http.StatusServiceUnavailable
	} else if rep.Redis.Status == "down" {
		rep.Status = "degraded"
	}
	httpx.OK(ctx, status, "Health: "+rep.Status, rep)
}

func probe(c context.Context, ping func(context.Context) error) dependency {
	start := time.Now()
	if err := ping(c); err != nil {
		return dependency{Status: "down", Error: err.Error()}
	}
	return dependency{Status: "ok", LatencyMS: float64(time.Since(start).Microseconds()) / 1000}
}
