package bench

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// bareCeiling measures the machine's pace at this moment: the same closed-loop clients send
// the scenario's own requests (to path) to a bare fasthttp handler that only answers status.
// On this shared VM one binary runs up to twice as fast from one hour to the next, so a
// figure means something only beside the ceiling of its own run.
func bareCeiling(ctx context.Context, path string, clients int, d time.Duration, status int, fill request) (loadResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return loadResult{}, err
	}
	srv := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) { c.SetStatusCode(status) }, MaxRequestBodySize: 3 << 20}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Shutdown()
	r := runLoadAt(ctx, "http://"+ln.Addr().String()+path, clients, d, 0, status, fill)
	if r.Failures > 0 {
		return r, fmt.Errorf("bench: ceiling run failed: %s", r.FirstFail)
	}
	return r, nil
}
