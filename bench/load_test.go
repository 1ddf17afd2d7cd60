package bench

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// At a fixed rate, latency counts from when each request was due, so a server that stalls
// shows its stall: the requests that should have gone out during it waited too. Timed from
// when they finally left, only the few in flight when it began showed it.
func TestFixedRateLatencyShowsAStall(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stallFrom := time.Now().Add(500 * time.Millisecond)
	stallTo := stallFrom.Add(200 * time.Millisecond)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if now := time.Now(); now.After(stallFrom) && now.Before(stallTo) {
			time.Sleep(time.Until(stallTo)) // every request in the window waits for its end
		}
		ctx.SetStatusCode(fasthttp.StatusAccepted)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })

	// 8 clients at 500 req/s for 4 s: the stall holds 8 requests in flight (0.4 %, under the
	// p99) while 100 more fall due behind them (5 %).
	r := runLoadAt(context.Background(), "http://"+ln.Addr().String()+"/", 8, 4*time.Second, 500, fasthttp.StatusAccepted,
		func(_, _ int, req *fasthttp.Request) { req.Header.SetMethod(fasthttp.MethodGet) })
	if r.Failures != 0 || r.Requests < 1500 {
		t.Fatalf("%d requests, %d failures: %s", r.Requests, r.Failures, r.FirstFail)
	}
	// ~100 of ~2,000 requests fell due during the stall and waited up to 200 ms: a p99 under
	// 50 ms would mean the stall was hidden.
	if r.P99 < 50*time.Millisecond {
		t.Fatalf("p99 %v after a 200 ms stall of every request: the stall is hidden", r.P99)
	}
	t.Logf("p50 %v, p99 %v, p999 %v over %d requests", r.P50, r.P99, r.P999, r.Requests)
}
