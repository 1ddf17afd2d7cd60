package bench

import (
	"context"
	"fmt"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// loadResult is what a closed-loop load run measured.
type loadResult struct {
	Requests  int64
	Failures  int64
	Elapsed   time.Duration
	P50, P99  time.Duration
	P999      time.Duration
	FirstFail string
}

func (r loadResult) PerSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// request fills req for the i-th request of worker w.
type request func(w, i int, req *fasthttp.Request)

// runLoad drives url with `workers` closed-loop clients for d: each sends its next request
// as soon as the previous is answered. Only 200 answers count as requests.
func runLoad(ctx context.Context, url string, workers int, d time.Duration, fill request) loadResult {
	return runLoadAt(ctx, url, workers, d, 0, fasthttp.StatusOK, fill)
}

// runLoadAt is runLoad with an optional fixed rate (requests/s over all workers; 0 = as fast
// as answers come) and the status that counts as success.
func runLoadAt(ctx context.Context, url string, workers int, d time.Duration, rate int, okStatus int, fill request) loadResult {
	client := &fasthttp.Client{
		MaxConnsPerHost: workers, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		MaxIdemponentCallAttempts: 1,
	}
	var ok, failed atomic.Int64
	var firstFail atomic.Value
	lat := make([]latencies, workers)
	start := time.Now()
	deadline := start.Add(d)
	// At a fixed rate each request carries the time it was due, and its latency counts from
	// then: when every worker is busy (a stalled server) the requests that should have gone
	// meanwhile wait, and timing them from when they finally left would hide the stall
	// (coordinated omission).
	var tokens chan time.Time
	if rate > 0 {
		tokens = make(chan time.Time, workers)
		go issueDue(ctx, tokens, start, deadline, time.Second/time.Duration(rate))
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Labelled so a CPU profile tells the load generator's share from the engine's
			// (-tagfocus=component=loadgen): both run in this process.
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels(componentLabel, "loadgen")))
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			l := make(latencies, 0, 1<<16)
			for i := 0; ctx.Err() == nil; i++ {
				var due time.Time
				if tokens != nil {
					// At a fixed rate the schedule ends the phase, not the clock: the
					// requests due before the deadline are sent even when a stall made
					// them late, or a stall at the end would drop out of the figures.
					var ok bool
					if due, ok = <-tokens; !ok {
						break
					}
				} else if !time.Now().Before(deadline) {
					break
				}
				req.Reset()
				req.SetRequestURI(url)
				fill(w, i, req)
				t0 := time.Now()
				if !due.IsZero() {
					t0 = due
				}
				err := client.Do(req, resp)
				el := time.Since(t0)
				if err != nil || resp.StatusCode() != okStatus {
					if failed.Add(1) == 1 {
						firstFail.Store(fmt.Sprintf("err=%v status=%d body=%.200s", err, resp.StatusCode(), resp.Body()))
					}
					continue
				}
				ok.Add(1)
				l = append(l, el)
			}
			lat[w] = l
		})
	}
	wg.Wait()
	r := loadResult{Requests: ok.Load(), Failures: failed.Load(), Elapsed: time.Since(start)}
	r.P50, r.P99, r.P999, _ = quantiles(lat)
	if f, ok := firstFail.Load().(string); ok {
		r.FirstFail = f
	}
	return r
}

// issueDue sends tokens every due time of a fixed-rate phase, one interval apart from
// start+interval while before deadline, then closes it. A generator that fell behind (every
// worker busy in a stall) still owes the due times it has not issued: it issues them late,
// at once, rather than stopping at the deadline by the clock. It gives up when ctx ends, so
// it never waits on a buffer no worker will read again.
func issueDue(ctx context.Context, tokens chan<- time.Time, start, deadline time.Time, interval time.Duration) {
	defer close(tokens)
	for next := start.Add(interval); next.Before(deadline); next = next.Add(interval) {
		time.Sleep(time.Until(next))
		select {
		case tokens <- next:
		case <-ctx.Done():
			return
		}
	}
}
