package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
	"github.com/switchboard/switchboard/transport/graph"
)

// The webhook acknowledgement path (POST → signature → durable inbox write → 200) as the
// engine wires it (two group-committing writers over the embedded store, the processor's
// live queue announced and fed), without the processing itself: its CPU on the same cores
// is what bench/ measures end to end. Each benchmark checks that it measured what it claims:
// every request answered 200, and every one of them pending in the store afterwards.

const benchSecret = "bench-secret"

// ackRig is the edge, its writer and store, and a live queue drained as the dispatch loop
// does (its mark taken: takeLive) without dispatching.
type ackRig struct {
	h      *Handler
	store  *embedded.Store
	inbox  *timedInbox
	p      *Processor
	w      *Writer
	body   []byte
	sig    string
	drains sync.WaitGroup
}

func newAckRig(b *testing.B) *ackRig {
	b.Helper()
	store, err := embedded.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	r := &ackRig{store: store, inbox: &timedInbox{Inbox: store.Inbox()}, body: fixtures.Read(b, "webhooks/inbound_image.json")}
	r.w = NewWriter(r.inbox, 2)
	r.sig = graph.SignatureValue(benchSecret, r.body)
	r.p = NewProcessor(store, nil, &Stats{}, log, 0)
	r.p.running.Store(true)
	r.drains.Add(1)
	go func() {
		defer r.drains.Done()
		for {
			select {
			case e := <-r.p.live:
				r.p.takeLive(e.ID)
			case <-r.p.stop:
				return
			}
		}
	}()
	r.h = NewHandler(graph.NewVerifier([]string{benchSecret}), "", r.w, ids.NewGenerator(), r.p, log)
	b.Cleanup(func() {
		close(r.p.stop)
		r.drains.Wait()
		r.p.lanes.close()
		r.w.Close()
		_ = store.Close(context.Background())
	})
	return r
}

// stored checks that want entries are pending in the store: each acknowledged webhook is
// durable, and nothing else was written.
func (r *ackRig) stored(b *testing.B, want int) {
	b.Helper()
	n, after := 0, ""
	for {
		page, err := r.store.Inbox().Pending(context.Background(), after, 4096)
		if err != nil {
			b.Fatal(err)
		}
		n += len(page)
		if len(page) < 4096 {
			break
		}
		after = page[len(page)-1].ID
	}
	if n != want {
		b.Fatalf("%d entries pending in the store, want the %d acknowledged", n, want)
	}
}

// timedInbox is the store's inbox, timing each append: one batch of the writer, from its
// call to its answer (the store's committer queue and its group commit).
type timedInbox struct {
	persistence.Inbox
	mu      sync.Mutex
	commits []time.Duration
	starts  []time.Time
	sizes   []int
}

func (t *timedInbox) Append(ctx context.Context, entries []persistence.InboxEntry) error {
	start := time.Now()
	err := t.Inbox.Append(ctx, entries)
	took := time.Since(start)
	t.mu.Lock()
	t.commits = append(t.commits, took)
	t.starts = append(t.starts, start)
	t.sizes = append(t.sizes, len(entries))
	t.mu.Unlock()
	return err
}

// quantile is the q-quantile of d (d sorted): the element q of the way along it.
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

// ms is d in milliseconds, for a metric.
func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// BenchmarkWebhookReceive is the handler's own cost, called in parallel without sockets:
// allocations and CPU per acknowledged webhook, the inbox write's group commit included.
func BenchmarkWebhookReceive(b *testing.B) {
	r := newAckRig(b)
	var remote net.TCPAddr
	b.ReportAllocs()
	b.SetParallelism(32) // many connections in flight, as under Meta's stream
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var ctx fasthttp.RequestCtx
		var req fasthttp.Request
		for pb.Next() {
			req.Reset()
			req.Header.SetMethod(fasthttp.MethodPost)
			req.SetRequestURI(Path)
			req.Header.Set(graph.SignatureHeader, r.sig)
			req.SetBody(r.body)
			ctx.Init(&req, &remote, nil)
			r.h.receive(&ctx)
			if c := ctx.Response.StatusCode(); c != fasthttp.StatusOK {
				b.Errorf("status %d: %s", c, ctx.Response.Body())
				return
			}
		}
	})
	b.StopTimer()
	r.stored(b, b.N)
}

// BenchmarkWebhookAckLatency posts webhooks over real sockets at a fixed rate (5,000/s, the
// inbound ack target's) and reports the acknowledgement's percentiles, each timed from when
// its request was due so that a stall delays the ones behind it too. b.N is how many are
// posted: -benchtime=10000x is two seconds.
func BenchmarkWebhookAckLatency(b *testing.B) {
	const rate = 5000
	r := newAckRig(b)
	rt := router.New()
	r.h.Mount(rt)
	// The server's own time per request, from its handler's start to its end: what the
	// client measures beyond it is sockets and scheduling.
	var served struct {
		sync.Mutex
		d []time.Duration
	}
	srv := &fasthttp.Server{ReadTimeout: 10 * time.Second, Handler: func(ctx *fasthttp.RequestCtx) {
		start := time.Now()
		rt.Handler(ctx)
		took := time.Since(start)
		served.Lock()
		served.d = append(served.d, took)
		served.Unlock()
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Shutdown() })
	client := &fasthttp.HostClient{Addr: ln.Addr().String(), MaxConns: 512}
	url := "http://" + ln.Addr().String() + Path

	// Meta keeps its connections open: each worker's is dialled, and the store's files
	// grown, before the schedule starts (these are stored too).
	const workers = 256
	warm := make(chan struct{})
	var warmed sync.WaitGroup
	post := func(req *fasthttp.Request, resp *fasthttp.Response) error {
		req.Reset()
		req.Header.SetMethod(fasthttp.MethodPost)
		req.SetRequestURI(url)
		req.Header.Set(graph.SignatureHeader, r.sig)
		req.SetBody(r.body)
		if err := client.Do(req, resp); err != nil {
			return err
		}
		if resp.StatusCode() != fasthttp.StatusOK {
			return fmt.Errorf("status %d: %s", resp.StatusCode(), resp.Body())
		}
		return nil
	}
	lat := make([]time.Duration, b.N)
	due := make(chan int, b.N)
	var wg sync.WaitGroup
	var failed sync.Once
	var start time.Time
	for range workers {
		wg.Add(1)
		warmed.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			if err := post(req, resp); err != nil {
				failed.Do(func() { b.Errorf("warming up: %v", err) })
			}
			warmed.Done()
			<-warm
			for i := range due {
				at := start.Add(time.Duration(i) * time.Second / rate)
				err := post(req, resp)
				lat[i] = time.Since(at)
				if err != nil {
					failed.Do(func() { b.Errorf("request %d: %v", i, err) })
				}
			}
		}()
	}
	warmed.Wait()
	served.Lock()
	served.d = served.d[:0]
	served.Unlock()
	b.ResetTimer()
	cpu0 := processCPU(b)
	start = time.Now()
	close(warm)
	for i := range b.N {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / rate)))
		due <- i
	}
	close(due)
	wg.Wait()
	took := time.Since(start)
	cpu := processCPU(b) - cpu0
	b.StopTimer()
	// The client's share is in it too: it runs in this process, on the same cores.
	b.ReportMetric(float64(cpu)/float64(took)*100, "process-cpu-%")
	b.ReportMetric(float64(cpu)/float64(b.N)/1e3, "cpu-µs/webhook")
	if b.Failed() {
		return
	}
	if want := time.Duration(b.N) * time.Second / rate; took > want+want/10+time.Second {
		b.Fatalf("%d requests took %s, due within %s: the rate was not held", b.N, took, want)
	}
	r.stored(b, b.N+workers)
	unsorted := slices.Clone(lat)
	slices.Sort(lat)
	// One p99, reported and taken as the tail stalls() attributes.
	p99 := quantile(lat, 0.99)
	b.ReportMetric(ms(quantile(lat, 0.5)), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(quantile(lat, 0.999)), "p999-ms")
	b.ReportMetric(0, "ns/op") // per-op time is the schedule's, not a cost
	served.Lock()
	slices.Sort(served.d)
	b.ReportMetric(ms(quantile(served.d, 0.99)), "server-p99-ms")
	served.Unlock()
	commits := slices.Clone(r.inbox.commits)
	slices.Sort(commits)
	b.ReportMetric(ms(quantile(commits, 0.99)), "append-p99-ms")
	b.ReportMetric(ms(commits[len(commits)-1]), "append-max-ms")
	long, _ := slices.BinarySearch(commits, 4*time.Millisecond)
	b.ReportMetric(float64(len(commits)-long), "appends≥4ms")
	b.ReportMetric(float64(b.N)/float64(len(commits)), "webhooks/commit")
	r.stalls(b, start, rate, p99, unsorted)
}

// stall is how long an inbox append must take to count as a stall (a checkpoint, a commit
// starved of CPU): a journal write and its fdatasync take a fraction of a millisecond.
const stall = 2 * time.Millisecond

// stalls reports what share of the run some inbox append was stalled (the union of the
// stalled appends: the writers' appends overlap), and what share of the requests at or past
// p99 were in flight while one was: the tail's attribution.
func (r *ackRig) stalls(b *testing.B, start time.Time, rate int, p99 time.Duration, lat []time.Duration) {
	var spans [][2]time.Time
	for i, d := range r.inbox.commits {
		if d >= stall && r.inbox.starts[i].After(start) {
			spans = append(spans, [2]time.Time{r.inbox.starts[i], r.inbox.starts[i].Add(d)})
		}
	}
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var stalled time.Duration
	var end time.Time
	for _, s := range spans {
		from := s[0]
		if from.Before(end) {
			from = end
		}
		if s[1].After(from) {
			stalled += s[1].Sub(from)
			end = s[1]
		}
	}
	run := time.Duration(len(lat)) * time.Second / time.Duration(rate)
	b.ReportMetric(100*float64(stalled)/float64(run), "stalled-%")
	slow, during := 0, 0
	for i, l := range lat {
		if l < p99 {
			continue
		}
		slow++
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		for _, s := range spans {
			if s[0].Before(due.Add(l)) && s[1].After(due) {
				during++
				break
			}
		}
	}
	if slow > 0 {
		b.ReportMetric(100*float64(during)/float64(slow), "tail-in-stall-%")
	}
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
