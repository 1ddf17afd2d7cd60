package bench

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/fakemeta"
)

// Pacing checks the per-number token bucket against Meta's throughput limit: numbers with
// different configured rates get a backlog larger than they may send in Duration, fakemeta
// enforces the same rate (130429 beyond it), and the report prints per number the configured
// rate, the achieved rate over Duration and the worst one-second window Meta saw, and the
// slowest transit on loopback during the run (transitProbe), which says whether the machine
// could keep the departure gate's assumption; then, from the departure every send carries,
// the closest rate+1 sends at Meta and the slowest send from the gate to Meta, the way
// measured on the requests themselves.
type Pacing struct {
	Duration      time.Duration
	Rates         []int // messages per second, one number each
	Conversations int   // per number (the pair limit applies per customer)
}

// DefaultPacing is the configuration the README's results use.
func DefaultPacing() Pacing {
	return Pacing{Duration: 30 * time.Second, Rates: []int{20, 50, 80}, Conversations: 100}
}

// enqueueClients is how many concurrent API clients write the backlog.
const enqueueClients = 32

// Run executes the scenario; it fails when any one-second window exceeded a number's rate,
// and then prints none of its figures.
func (p Pacing) Run(ctx context.Context, out io.Writer) error {
	fmt.Fprintf(out, "pacing: numbers at %v msg/s, backlog enqueued at once, measured over %s\nmachine: %s\n", p.Rates, p.Duration, Machine())
	return printIfValid(out, alongsideOtherWork("", func(figures io.Writer) error { return p.run(ctx, figures) }))
}

// run measures every number, writing the table to out, and checks it.
func (p Pacing) run(ctx context.Context, out io.Writer) error {
	cfg := fakemeta.Config{IgnoreWindow: true, Statuses: fakemeta.StatusConfig{Disabled: true}}
	w, err := newOutboundWorld(ctx, cfg, len(p.Rates), p.Conversations, p.Rates,
		map[string]string{"OUTBOUND_PAIR_INTERVAL": "10ms", "OUTBOUND_PAIR_BURST": "1000"})
	if err != nil {
		return err
	}
	defer w.close()
	for i, pn := range w.phones {
		w.meta.SetThroughput(pn, p.Rates[i])
	}
	probe, err := startTransitProbe()
	if err != nil {
		return err
	}
	stopProbe := sync.OnceValues(probe.finish)
	defer stopProbe()
	// Enqueue each number's backlog (more than it may send in Duration) from 32 concurrent
	// clients, so the backlog grows faster than even a 1,000 msg/s number drains it.
	client := &fasthttp.Client{MaxConnsPerHost: enqueueClients}
	var n atomic.Int64
	start := time.Now()
	for i, rate := range p.Rates {
		backlog := rate*int(p.Duration.Seconds()) + 2*rate
		var next atomic.Int64
		errs := make(chan error, enqueueClients)
		var wg sync.WaitGroup
		for range enqueueClients {
			wg.Go(func() {
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(req)
				defer fasthttp.ReleaseResponse(resp)
				for k := next.Add(1) - 1; k < int64(backlog); k = next.Add(1) - 1 {
					req.Reset()
					req.SetRequestURI(w.base + "/api/v1/messages/send")
					w.sendFill(req, w.convs[i][int(k)%len(w.convs[i])], n.Add(1))
					if err := client.DoTimeout(req, resp, 10*time.Second); err != nil || resp.StatusCode() != fasthttp.StatusAccepted {
						errs <- fmt.Errorf("bench: enqueue: %v %d", err, resp.StatusCode())
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "  backlog of %d messages enqueued in %v\n", n.Load(), time.Since(start).Round(time.Millisecond))
	// Each number is measured over Duration from its own first send: the later numbers'
	// backlogs were enqueued after the earlier ones', so they started later.
	for _, pn := range w.phones {
		for {
			first := time.Time{}
			for _, m := range w.meta.Sent(pn) {
				if first.IsZero() || m.At.Before(first) {
					first = m.At
				}
			}
			wait := 20 * time.Millisecond
			if !first.IsZero() {
				if wait = time.Until(first.Add(p.Duration + 100*time.Millisecond)); wait <= 0 {
					break
				}
			} else if time.Since(start) > p.Duration {
				return fmt.Errorf("bench: number %s sent nothing in %s", pn, p.Duration)
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	stats := w.meta.Stats()
	busiest := make(map[string][]fakemeta.Arrival, len(w.phones))
	for _, pn := range w.phones {
		busiest[pn] = w.meta.BusiestSends(pn)
	}
	transit, err := stopProbe()
	if err != nil {
		return err
	}
	var failed error
	var margins []string
	fmt.Fprintf(out, "  %-17s %10s %10s %9s %14s %8s\n", "number", "configured", "achieved", "of rate", "worst 1s window", "130429s")
	for i, pn := range w.phones {
		sent := w.meta.Sent(pn)
		sort.Slice(sent, func(a, b int) bool { return sent[a].At.Before(sent[b].At) })
		within := 0
		if len(sent) > 0 {
			end := sent[0].At.Add(p.Duration)
			for _, m := range sent {
				if m.At.Before(end) {
					within++
				}
			}
		}
		achieved := float64(within) / p.Duration.Seconds()
		if arrived, left, ok := tightest(sent, p.Rates[i]); ok {
			margins = append(margins, fmt.Sprintf("  %s: the closest %d sends at Meta arrived %v apart and had left the gate over %v; the slowest send took %v from the gate to Meta\n",
				pn, p.Rates[i]+1, arrived.Round(100*time.Microsecond), left.Round(100*time.Microsecond), slowestTransit(sent).Round(100*time.Microsecond)))
		}
		st := stats.Numbers[pn]
		fmt.Fprintf(out, "  %-17s %10d %10.1f %8.1f%% %14d %8d\n", pn, p.Rates[i], achieved, 100*achieved/float64(p.Rates[i]), st.MaxSendsPerSecond, st.Errors[130429])
		// Every request counts, refused ones too: fakemeta's limit is the configured rate,
		// so the accepted sends alone could never show a second above it.
		if failed == nil {
			failed = windowCheck(pn, p.Rates[i], busiest[pn], transit)
		}
	}
	fmt.Fprintf(out, "  slowest loopback transit during the run: %v (the departure gate allows %v)\n", transit.Round(100*time.Microsecond), gateAllowance)
	for _, m := range margins {
		fmt.Fprint(out, m) // above 1 s: Meta's count had room; the gap to the departures, the way's bunching
	}
	if err := w.tallyAtMeta().atMostOnce(); err != nil {
		return err
	}
	return failed
}
