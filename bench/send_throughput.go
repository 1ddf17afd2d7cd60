package bench

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"

	"github.com/switchboard/switchboard/fakemeta"
)

// SendThroughput is the outbound scenario: many tenants and conversations sending text
// replies through the API to fakemeta with no latency and every limit lifted. It measures
// messages per second from the API call to Meta's acceptance (the engine's `sent`), and,
// in a second phase at a fixed request rate, the send API's latency.
type SendThroughput struct {
	Duration      time.Duration
	Concurrency   int
	Tenants       int
	Conversations int // per tenant
	// LatencyRate is the fixed request rate of the latency phase (0 skips it).
	LatencyRate     int
	LatencyDuration time.Duration
	DrainTimeout    time.Duration
	// CeilingDuration is how long the bare-handler ceiling is measured (0 skips it).
	CeilingDuration time.Duration
	// Backlog is the bulk campaign per tenant of the backlog phase (0 skips it).
	Backlog int
	// EngineCPUs, when set (a CPU list: "0", "0-1"), runs the engine apart once the world is
	// set up: EngineBinary's `serve` in its own process on those CPUs, with the load
	// generator and fakemeta on LoadCPUs (default: every other CPU this process may use).
	// The ceiling and backlog phases need the engine in this process and are skipped.
	EngineCPUs, LoadCPUs string
	EngineBinary         string
	// CPUSplit profiles the throughput phase to split its CPU between the engine, fakemeta
	// and the load generator (in one process only). The profiler's signals and stack walks
	// cost CPU of their own: off, the phase runs as served.
	CPUSplit bool
}

// DefaultSendThroughput is the configuration the README's results use.
func DefaultSendThroughput() SendThroughput {
	return SendThroughput{Duration: 10 * time.Second, Concurrency: 64, Tenants: 20, Conversations: 50,
		LatencyRate: 1000, LatencyDuration: 10 * time.Second, DrainTimeout: 2 * time.Minute, Backlog: 2000,
		CeilingDuration: 3 * time.Second, CPUSplit: true}
}

// Run executes and validates the scenario: every accepted send reaches fakemeta exactly once.
// Its figures are printed only once every check has passed.
func (s SendThroughput) Run(ctx context.Context, out io.Writer) error {
	fmt.Fprintf(out, "send-throughput: %d clients, %d tenants × %d conversations, fakemeta with no latency and no limits, %s load\nmachine: %s\n",
		s.Concurrency, s.Tenants, s.Conversations, s.Duration, Machine())
	note := ""
	if s.EngineCPUs != "" {
		note = " (the engine apart among them)"
	}
	return printIfValid(out, alongsideOtherWork(note, func(figures io.Writer) error { return s.run(ctx, figures) }))
}

// run measures the phases, writing their figures to out, and checks them.
func (s SendThroughput) run(ctx context.Context, out io.Writer) error {
	apart, err := s.apartCPUs()
	if err != nil {
		return err
	}
	cfg := fakemeta.Config{IgnoreWindow: true, Statuses: fakemeta.StatusConfig{Disabled: true}}
	w, err := newOutboundWorld(ctx, cfg, s.Tenants, s.Conversations, []int{1000},
		map[string]string{"OUTBOUND_PAIR_INTERVAL": "10ms", "OUTBOUND_PAIR_BURST": "1000"})
	if err != nil {
		return err
	}
	defer w.close()
	if apart != nil {
		if err := w.moveApart(ctx, s.EngineBinary, apart.engine, apart.load); err != nil {
			return err
		}
		fmt.Fprintf(out, "  engine apart             `serve` in its own process on CPUs %s; the load generator and fakemeta on CPUs %s (the ceiling and backlog phases need one process and are skipped)\n",
			formatCPUs(apart.engine), orAll(formatCPUs(apart.load)))
		s.CeilingDuration, s.Backlog = 0, 0
	}

	var ceiling float64
	if s.CeilingDuration > 0 {
		var seq atomic.Int64
		c, err := bareCeiling(ctx, "/api/v1/messages/send", s.Concurrency, s.CeilingDuration, fasthttp.StatusAccepted, func(_, _ int, req *fasthttp.Request) {
			w.sendFill(req, w.convs[0][0], seq.Add(1))
		})
		if err != nil {
			return err
		}
		ceiling = c.PerSecond()
		fmt.Fprintf(out, "  bare fasthttp ceiling    %9.0f req/s   (the same clients and requests against a handler that only answers 202: this run's machine pace)\n", ceiling)
	}
	total := 0
	if s.LatencyRate > 0 {
		r, err := s.phase(ctx, w, s.LatencyRate, s.LatencyDuration, out, "latency at fixed rate")
		if err != nil {
			return err
		}
		total += r
	}
	var split cpuSplit
	var profiled bool
	profile := func(phase func() error) error {
		var err error
		split, profiled, err = profileInProcess(w, s.CPUSplit, phase)
		return err
	}
	var engineCPU func() (time.Duration, error) // the engine apart's, which cpuUsed lacks
	if w.apart != nil {
		engineCPU = w.apart.cpu
	}
	var n int
	cost, err := measureInside(profile, engineCPU, func() error {
		var err error
		if n, err = s.phase(ctx, w, 0, s.Duration, out, "throughput"); err != nil {
			return err
		}
		total += n
		deadline := time.Now().Add(s.DrainTimeout)
		for {
			accepted := w.acceptedCount()
			if accepted >= total {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("bench: only %d of %d accepted sends reached Meta within %s", accepted, total, s.DrainTimeout)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	if err != nil {
		return err
	}
	if w.e != nil { // untimed: the rate ends when Meta has them all
		if err := w.awaitSettled(ctx, s.DrainTimeout); err != nil {
			return err
		}
	}
	if err := w.tallyAtMeta().exactlyOnce(total); err != nil {
		return err
	}
	rate := float64(n) / cost.elapsed.Seconds()
	share := ""
	if ceiling > 0 {
		// A sent message costs two HTTP exchanges (the API call, the Graph call) besides
		// everything else; the share of one bare exchange is what compares across runs.
		share = fmt.Sprintf("%.1f%% of the ceiling; ", 100*rate/ceiling)
	}
	fmt.Fprintf(out, "  API call → sent          %9.0f msg/s   (%d messages of the throughput phase, each at Meta exactly once; %s%s CPU per message)\n",
		rate, n, share, perMessage(cost.cpu+cost.engineCPU, n))
	fmt.Fprintf(out, "  other work meanwhile     %s\n", cost.others)
	if profiled {
		fmt.Fprintf(out, "  CPU per sent message     %s\n", split.report(n, cost.cpu))
	}
	if w.apart != nil {
		fmt.Fprintf(out, "  CPU per sent message     %s\n", apartReport(cost.engineCPU, cost.cpu, cost.elapsed, n, apart.engine.Count(), apart.shared()))
	}
	if s.Backlog > 0 {
		return drainBacklog(ctx, w, s.Backlog, s.DrainTimeout, out)
	}
	return nil
}

// phase sends for d at rate (0 = closed loop) and prints the API's answer rate and latency.
func (s SendThroughput) phase(ctx context.Context, w *outboundWorld, rate int, d time.Duration, out io.Writer, name string) (int, error) {
	var seq atomic.Int64
	r := runLoadAt(ctx, w.base+"/api/v1/messages/send", s.Concurrency, d, rate, fasthttp.StatusAccepted, func(wk, i int, req *fasthttp.Request) {
		n := seq.Add(1)
		t := int(n) % len(w.convs)
		w.sendFill(req, w.convs[t][int(n/int64(len(w.convs)))%len(w.convs[t])], n)
	})
	if r.Failures > 0 {
		return 0, fmt.Errorf("bench: %d sends refused (first: %s)", r.Failures, r.FirstFail)
	}
	// The closed loop's percentiles are its own queue (Little's law: clients ÷ throughput at
	// the median), not a latency at some load: said beside them, as webhook-ingest does.
	how := fmt.Sprintf("at saturation, %d clients", s.Concurrency)
	if rate > 0 {
		how = fmt.Sprintf("at %d req/s, each timed from when it was due", rate)
	}
	fmt.Fprintf(out, "  %-24s %9.0f req/s   %s: 202 p50 %v  p99 %v  p999 %v\n", name, r.PerSecond(), how, r.P50, r.P99, r.P999)
	return int(r.Requests), nil
}

// profileInProcess runs the throughput phase under profileComponents when the engine shares
// this process and the split is wanted; apart, the engine's CPU is its process's own and
// needs no labels.
func profileInProcess(w *outboundWorld, wanted bool, phase func() error) (cpuSplit, bool, error) {
	if w.apart != nil || !wanted {
		return cpuSplit{}, false, phase()
	}
	return profileComponents(phase)
}

// apartCPUs reads EngineCPUs and LoadCPUs; nil when the engine stays in this process.
func (s SendThroughput) apartCPUs() (*cpuPlacement, error) {
	if s.EngineCPUs == "" {
		if s.LoadCPUs != "" {
			return nil, fmt.Errorf("bench: load CPUs %q without engine CPUs: they place the load beside an engine apart", s.LoadCPUs)
		}
		return nil, nil
	}
	if s.EngineBinary == "" {
		return nil, fmt.Errorf("bench: the engine apart needs the switchboard binary to run")
	}
	var allowed unix.CPUSet
	if err := unix.SchedGetaffinity(0, &allowed); err != nil {
		return nil, fmt.Errorf("bench: CPUs this process may use: %w", err)
	}
	p := &cpuPlacement{}
	var err error
	if p.engine, err = parseCPUList(s.EngineCPUs, allowed); err != nil {
		return nil, err
	}
	if s.LoadCPUs == "" {
		p.load = otherCPUs(allowed, p.engine)
	} else if p.load, err = parseCPUList(s.LoadCPUs, allowed); err != nil {
		return nil, err
	}
	return p, nil
}
