package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/internal/testenv"
)

// Both outbound scenarios run end to end and validate themselves (every accepted send at
// Meta exactly once; no one-second window above a number's rate). Speed is not asserted.
// The CPU split is printed when asked for, and the phase runs without the profiler when not.
func TestSendThroughputValidatesItself(t *testing.T) {
	for _, split := range []bool{true, false} {
		t.Run(fmt.Sprintf("cpu split %v", split), func(t *testing.T) {
			s := SendThroughput{Duration: 500 * time.Millisecond, Concurrency: 8, Tenants: 2, Conversations: 5,
				LatencyRate: 50, LatencyDuration: 300 * time.Millisecond, DrainTimeout: time.Minute, Backlog: 40, CPUSplit: split}
			var out bytes.Buffer
			if err := s.Run(context.Background(), &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "backlog → sent") {
				t.Fatalf("the backlog phase did not report:\n%s", out.String())
			}
			// Each latency says how it was measured: at which rate, or at saturation with how
			// many clients (the closed loop's percentiles are its queue, not a latency at load).
			for _, want := range []string{"at 50 req/s, each timed from when it was due", "at saturation, 8 clients"} {
				if !strings.Contains(out.String(), want) {
					t.Fatalf("no %q in the report:\n%s", want, out.String())
				}
			}
			if got := strings.Contains(out.String(), "profile samples"); got != split {
				t.Fatalf("CPU split asked %v, printed %v:\n%s", split, got, out.String())
			}
			t.Log(out.String())
		})
	}
}

// The pacing scenario runs end to end and validates itself: every send at Meta at most once,
// no one-second window at Meta above a number's rate. Meta counts arrivals, and on an
// oversubscribed machine requests that left the departure gate spaced wait together on the
// way (bench/FINDINGS.md, sessions 14–15); the scenario measures that way while it runs, and
// each request carries its departure from the gate to fakemeta. Only when the run's measure
// shows the way slower than the gate allows for, or the second's own requests left the gate
// spaced as it requires, does this test let a window above the rate pass, as not judged (the
// check itself: TestPacingWindowCheck; the pacer and the gate, deterministically: actors'
// pacer and departures tests). A request without a departure fails it: it took a way around
// the gate. 20 msg/s is the rate sessions 14, 15 and 19 saw overrun. As a bench, the
// scenario fails on any such window.
func TestPacingValidatesItself(t *testing.T) {
	p := Pacing{Duration: 2 * time.Second, Rates: []int{20, 25}, Conversations: 10}
	var out bytes.Buffer
	err := p.Run(context.Background(), &out)
	if over := (*windowOverrun)(nil); errors.As(err, &over) && over.oversubscribed() {
		t.Skipf("the requests did not arrive as they left, so Meta's count cannot judge the pacer (every send at Meta at most once held): %v", err)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"worst 1s window", "slowest loopback transit during the run", "other work during the run"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %q in the report:\n%s", want, out.String())
		}
	}
	t.Log(out.String())
}

// The window check fails a number whose busiest second at Meta held more than its rate, and
// says the machine was oversubscribed only when the run's transit measure shows it or the
// second's own requests left the gate spaced as it requires; it names the pair of requests
// that made the second, and a request that carries no departure left without the gate.
func TestPacingWindowCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rate    int
		window  []fakemeta.Arrival
		transit time.Duration
		fails   bool
		blamed  bool   // the error says the machine was oversubscribed
		because string // what the error says of the pair
	}{
		{name: "at its rate", rate: 10, window: arrivals(10, 50*time.Millisecond, 0), transit: time.Millisecond},
		{name: "below its rate, the machine stalled", rate: 10, window: arrivals(7, 0, 0), transit: 200 * time.Millisecond},
		{name: "one above, left too close, calm machine", rate: 10, window: arrivals(11, 90*time.Millisecond, 0), transit: time.Millisecond,
			fails: true, because: "the gate let them leave 900ms apart, less than its 1.03s"},
		{name: "one above, transit at the gate's allowance", rate: 10, window: arrivals(11, 90*time.Millisecond, 0), transit: gateAllowance,
			fails: true, because: "less than its"},
		{name: "one above, transit beyond the gate's allowance", rate: 10, window: arrivals(11, 90*time.Millisecond, 0), transit: 110 * time.Millisecond,
			fails: true, blamed: true, because: "less than its"},
		{name: "one above, left spaced, the first late on its way", rate: 10, window: arrivals(11, 104*time.Millisecond, 45*time.Millisecond), transit: time.Millisecond,
			fails: true, blamed: true, because: "left the gate 1.04s apart, as it requires, and bunched on their way"},
		{name: "one above, the first late on a connection it opened", rate: 10, window: opened(arrivals(11, 104*time.Millisecond, 45*time.Millisecond)), transit: time.Millisecond,
			fails: true, blamed: true, because: "arrived 46ms later (on a connection it opened)"},
		{name: "one above, one request unstamped", rate: 10, window: unstamped(arrivals(11, 104*time.Millisecond, 45*time.Millisecond), 4), transit: time.Millisecond,
			fails: true, because: "1 of the second's 11 requests carry no departure"},
		{name: "at its rate, one request unstamped", rate: 10, window: unstamped(arrivals(10, 104*time.Millisecond, 0), 0), transit: time.Millisecond,
			fails: true, because: "1 of the second's 10 requests carry no departure: they left without passing the departure gate"},
		{name: "far above, calm machine", rate: 25, window: arrivals(50, 10*time.Millisecond, 0), transit: 2 * time.Millisecond,
			fails: true, because: "less than its"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := windowCheck("15550001", tc.rate, tc.window, tc.transit)
			if (err != nil) != tc.fails {
				t.Fatalf("rate %d, busiest second %d: %v", tc.rate, len(tc.window), err)
			}
			if err == nil {
				return
			}
			var over *windowOverrun
			if len(tc.window) <= tc.rate {
				if errors.As(err, &over) || !strings.Contains(err.Error(), tc.because) {
					t.Fatalf("%v, want no overrun, and %q", err, tc.because)
				}
				return
			}
			if !errors.As(err, &over) || over.oversubscribed() != tc.blamed {
				t.Fatalf("transit %v: %v, want oversubscribed %v", tc.transit, err, tc.blamed)
			}
			if got := strings.Contains(err.Error(), "machine was oversubscribed"); got != (tc.transit > gateAllowance) {
				t.Fatalf("transit %v: %v, want the probe blamed %v", tc.transit, err, !got)
			}
			want := fmt.Sprintf("sent %d requests in one second, above its %d", len(tc.window), tc.rate)
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.because) || !strings.Contains(err.Error(), "(message m0)") {
				t.Fatalf("%v\nwant %q, %q and the first message", err, want, tc.because)
			}
		})
	}
}

// arrivals is a busiest second of n requests that left apart each from the next, the first
// delayed firstLate more than the others (1 ms) on its way.
func arrivals(n int, apart, firstLate time.Duration) []fakemeta.Arrival {
	left := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	out := make([]fakemeta.Arrival, n)
	for i := range out {
		d := left.Add(time.Duration(i) * apart)
		transit := time.Millisecond
		if i == 0 {
			transit += firstLate
		}
		out[i] = fakemeta.Arrival{At: d.Add(transit), Departed: d, Message: fmt.Sprintf("m%d", i)}
	}
	return out
}

// opened makes the window's first request the first on its connection.
func opened(window []fakemeta.Arrival) []fakemeta.Arrival {
	window[0].OnConn = 1
	return window
}

// unstamped takes request i's departure away: it left without the gate.
func unstamped(window []fakemeta.Arrival, i int) []fakemeta.Arrival {
	window[i].Departed = time.Time{}
	return window
}

// The transit probe measures the way through loopback, and a write that left long before it
// arrived counts as long as it took: what a stalled machine does to the engine's requests.
func TestTransitProbe(t *testing.T) {
	p, err := startTransitProbe()
	if err != nil {
		t.Fatal(err)
	}
	probeAwait(t, "the probe's first sample", func() bool { return p.samples.Load() > 0 })
	// A stamp of 110 ms ago through the same connection: the reader sees it arrive 110 ms
	// (and a little) after it left.
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(time.Since(p.start)-110*time.Millisecond))
	if _, err := p.conns[0].Write(b[:]); err != nil {
		t.Fatal(err)
	}
	probeAwait(t, "the stamp's transit", func() bool { return p.worst.Load() >= int64(110*time.Millisecond) })
	worst, err := p.finish()
	if err != nil || worst < 110*time.Millisecond || p.samples.Load() < 2 {
		t.Fatalf("slowest transit %v of %d samples, %v; want at least 110ms", worst, p.samples.Load(), err)
	}
}

// The engine apart: the real binary's `serve` in its own process on one CPU, the load here.
// The scenario still checks every accepted send reached Meta exactly once.
func TestSendThroughputWithTheEngineApart(t *testing.T) {
	bin := testenv.SwitchboardBinary(t)
	var allowed unix.CPUSet
	if err := unix.SchedGetaffinity(0, &allowed); err != nil {
		t.Fatal(err)
	}
	first := 0
	for !allowed.IsSet(first) {
		first++
	}
	s := SendThroughput{Duration: 500 * time.Millisecond, Concurrency: 8, Tenants: 2, Conversations: 5,
		LatencyRate: 50, LatencyDuration: 300 * time.Millisecond, DrainTimeout: time.Minute, Backlog: 40, CeilingDuration: time.Second,
		EngineCPUs: fmt.Sprint(first), EngineBinary: bin}
	var out bytes.Buffer
	if err := s.Run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"engine apart", "latency at fixed rate", "API call → sent", "engine process"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %q in the report:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "backlog → sent") || strings.Contains(out.String(), "bare fasthttp ceiling") {
		t.Fatalf("a phase that needs the engine in this process ran:\n%s", out.String())
	}
	var after unix.CPUSet
	if err := unix.SchedGetaffinity(0, &after); err != nil || after != allowed {
		t.Fatalf("the test process stays pinned after the run: %s, want %s (%v)", formatCPUs(after), formatCPUs(allowed), err)
	}
	t.Log(out.String())
}

// probeAwait waits up to 10 s for cond, which the probe's goroutines make true.
func probeAwait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
	}
}

// The closest rate+1 sends at Meta are found wherever they are in the run, with how far apart
// they left the gate (earliest to latest, whatever order they arrived in); a run shorter than
// rate+1 sends has none.
func TestPacingTightestSpan(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	sent := make([]fakemeta.SentMessage, 6)
	for i := range sent {
		left := at.Add(time.Duration(i) * 520 * time.Millisecond)
		sent[i] = fakemeta.SentMessage{Departed: left, At: left.Add(time.Millisecond)}
	}
	sent[2].At = sent[2].At.Add(40 * time.Millisecond) // late on its way: 2 and 4 arrive 1 s apart
	sent[5].Departed = time.Time{}
	arrived, left, ok := tightest(sent, 2)
	if !ok || arrived != 1000*time.Millisecond || left != 1040*time.Millisecond {
		t.Fatalf("tightest 3 of 6: arrived %v apart, left %v apart (%v); want 1s, 1.04s", arrived, left, ok)
	}
	if got := slowestTransit(sent); got != 41*time.Millisecond {
		t.Fatalf("slowest transit %v, want 41ms (the late one; the unstamped one has none)", got)
	}
	if _, _, ok := tightest(sent[:2], 2); ok {
		t.Fatal("2 sends reported a span of 3")
	}
	// Reordered on the way: the first to arrive is not the first to leave. The span of the
	// departures is the gate's 1.04 s, not the 940 ms between the first and last arrival's.
	reordered := []fakemeta.SentMessage{
		{Departed: at.Add(100 * time.Millisecond), At: at.Add(101 * time.Millisecond)},
		{Departed: at, At: at.Add(150 * time.Millisecond)},
		{Departed: at.Add(1040 * time.Millisecond), At: at.Add(1041 * time.Millisecond)},
	}
	if arrived, left, _ := tightest(reordered, 2); arrived != 940*time.Millisecond || left != 1040*time.Millisecond {
		t.Fatalf("reordered: arrived %v apart, left %v apart; want 940ms, 1.04s", arrived, left)
	}
}
