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
// only when its own measure shows it beyond what the gate allows for does this test let a
// window above the rate pass, as not judged (the check itself: TestPacingWindowCheck; the
// pacer and the gate, deterministically: actors' pacer and departures tests). As a bench,
// the scenario fails on any such window.
func TestPacingValidatesItself(t *testing.T) {
	p := Pacing{Duration: 2 * time.Second, Rates: []int{10, 25}, Conversations: 10}
	var out bytes.Buffer
	err := p.Run(context.Background(), &out)
	if over := (*windowOverrun)(nil); errors.As(err, &over) && over.oversubscribed() {
		t.Skipf("the machine was oversubscribed, so Meta's count cannot judge the pacer (every send at Meta at most once held): %v", err)
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
// says the machine was oversubscribed only when the run's transit measure shows it.
func TestPacingWindowCheck(t *testing.T) {
	for _, tc := range []struct {
		name          string
		rate, busiest int
		transit       time.Duration
		fails, blamed bool // blamed: the error says the machine was oversubscribed
	}{
		{"at its rate", 10, 10, time.Millisecond, false, false},
		{"below its rate, the machine stalled", 10, 7, 200 * time.Millisecond, false, false},
		{"one above, calm machine", 10, 11, time.Millisecond, true, false},
		{"one above, transit at the gate's allowance", 10, 11, gateAllowance, true, false},
		{"one above, transit beyond the gate's allowance", 10, 11, 110 * time.Millisecond, true, true},
		{"far above, calm machine", 25, 50, 2 * time.Millisecond, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := windowCheck("15550001", tc.rate, tc.busiest, tc.transit)
			if (err != nil) != tc.fails {
				t.Fatalf("rate %d, busiest second %d: %v", tc.rate, tc.busiest, err)
			}
			if err == nil {
				return
			}
			var over *windowOverrun
			if !errors.As(err, &over) || over.oversubscribed() != tc.blamed || strings.Contains(err.Error(), "oversubscribed") != tc.blamed {
				t.Fatalf("transit %v: %v, want oversubscribed %v", tc.transit, err, tc.blamed)
			}
			if want := fmt.Sprintf("sent %d requests in one second, above its %d", tc.busiest, tc.rate); !strings.Contains(err.Error(), want) {
				t.Fatalf("%v, want %q", err, want)
			}
		})
	}
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
