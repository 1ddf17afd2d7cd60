package bench

import (
	"context"
	"fmt"
	"io"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/webhook"
)

// The closed loop's ack percentiles are at saturation: its clients send back to back, so a
// webhook mostly waits behind the others in flight, and its p99 says how many clients there
// are over the throughput (Little's law: 64 clients at 11,500 acks/s wait ~5.6 ms on
// average) more than what an ack costs. An ack target ("p99 ≤ 10 ms") is judged at a rate
// the engine sustains, each ack timed from when its webhook was due (runLoadAt), as the
// send API's is.

// acksAtRate posts webhooks at AckRate for AckRateDuration, prints their ack latency and
// returns how many it posted. Without AckOnly it waits until they are processed, so the
// closed loop after it starts on an idle engine.
func (s WebhookIngest) acksAtRate(ctx context.Context, url string, post request, stats *webhook.Stats, rep *IngestReport, out io.Writer) (int64, error) {
	r := runLoadAt(ctx, url, s.Concurrency, s.AckRateDuration, s.AckRate, fasthttp.StatusOK, post)
	if r.Failures > 0 {
		return 0, fmt.Errorf("bench: %d webhooks not acknowledged at %d/s (first: %s)", r.Failures, s.AckRate, r.FirstFail)
	}
	rep.AcksAtRate = r
	fmt.Fprintf(out, "  acks at fixed rate      %9.0f req/s   at %d webhooks/s, %d clients, each timed from when it was due: p50 %v  p99 %v  p999 %v\n",
		r.PerSecond(), s.AckRate, s.Concurrency, r.P50, r.P99, r.P999)
	if s.AckOnly {
		return r.Requests, nil
	}
	return r.Requests, s.awaitProcessed(stats, r.Requests)
}
