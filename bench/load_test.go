package bench

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// At a fixed rate, latency counts from when each request was due, so a server that stalls
// shows its stall: the requests that should have gone out during it waited too. Timed from
// when they finally left, only the few in flight when it began showed it.
func TestFixedRateLatencyShowsAStall(t *testing.T) {
	stallFrom := time.Now().Add(500 * time.Millisecond)
	stallTo := stallFrom.Add(200 * time.Millisecond)
	url := stallingServer(t, func() time.Duration {
		if now := time.Now(); now.After(stallFrom) && now.Before(stallTo) {
			return time.Until(stallTo) // every request in the window waits for its end
		}
		return 0
	})

	// 8 clients at 500 req/s for 4 s: the stall holds 8 requests in flight (0.4 %, under the
	// p99) while 100 more fall due behind them (5 %).
	r := runLoadAt(context.Background(), url, 8, 4*time.Second, 500, fasthttp.StatusAccepted,
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

// A stall that overlaps the end of the phase is still the phase's: every request due in its
// last 20 % waits until after the deadline, and each must be sent, recorded and timed from
// when it was due. Stopping at the deadline instead dropped them (the generator, behind,
// never issued their due times; the workers left with tokens in the buffer), so p99 missed
// the stall, and the generator stayed blocked on the full buffer for good.
func TestFixedRateLatencyKeepsAStallAtTheEnd(t *testing.T) {
	const rate, workers, d = 1000, 4, time.Second
	start := time.Now()
	stallFrom, stallTo := start.Add(d*8/10), start.Add(d+300*time.Millisecond)
	url := stallingServer(t, func() time.Duration {
		if time.Now().After(stallFrom) {
			return time.Until(stallTo)
		}
		return 0
	})
	r := runLoadAt(context.Background(), url, workers, d, rate, fasthttp.StatusAccepted,
		func(_, _ int, req *fasthttp.Request) { req.Header.SetMethod(fasthttp.MethodGet) })
	// Due times run from start+1 ms while before the deadline: 999 of them.
	if want := int64((d - 1) / (time.Second / rate)); r.Requests != want || r.Failures != 0 {
		t.Errorf("%d requests recorded (%d failures: %s), want every one of the %d due", r.Requests, r.Failures, r.FirstFail, want)
	}
	// ~200 of 999 were due in the stall and waited 300–500 ms each.
	if r.P99 < 250*time.Millisecond {
		t.Errorf("p99 %v with the last 20 %% of the phase stalled: the stall is dropped", r.P99)
	}
	if n := leftRunning("bench.runLoadAt"); n > 0 {
		t.Errorf("%d goroutines of the load run left running after it returned", n)
	}
	t.Logf("p50 %v, p99 %v, p999 %v over %d requests", r.P50, r.P99, r.P999, r.Requests)
}

// Cancelled while every worker is busy and the generator waits on a full buffer, the run
// returns and leaves nothing running: the generator gives up its send on ctx.
func TestFixedRateLoadStopsWhenCancelled(t *testing.T) {
	url := stallingServer(t, func() time.Duration { return 50 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := runLoadAt(ctx, url, 4, 10*time.Second, 1000, fasthttp.StatusAccepted,
		func(_, _ int, req *fasthttp.Request) { req.Header.SetMethod(fasthttp.MethodGet) })
	if r.Elapsed > 2*time.Second {
		t.Fatalf("the run went on %v after its context ended", r.Elapsed)
	}
	if n := leftRunning("bench.runLoadAt"); n > 0 {
		t.Fatalf("%d goroutines of the load run left running after it returned", n)
	}
}

// stallingServer answers 202 after stall() and returns its URL; it stops with the test.
func stallingServer(t *testing.T, stall func() time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		time.Sleep(stall())
		ctx.SetStatusCode(fasthttp.StatusAccepted)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String() + "/"
}

// leftRunning counts the goroutines whose stack holds fn, allowing a second for those that
// are on their way out. It looks for the function rather than comparing NumGoroutine: the
// HTTP client's and server's own goroutines come and go on their own schedules.
func leftRunning(fn string) int {
	var n int
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		n = 0
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, fn) {
				n++
			}
		}
		if n == 0 || time.Now().After(deadline) {
			return n
		}
	}
}
