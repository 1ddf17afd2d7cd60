package bench

import (
	"bytes"
	"context"
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

func TestPacingValidatesItself(t *testing.T) {
	p := Pacing{Duration: 2 * time.Second, Rates: []int{10, 25}, Conversations: 10}
	var out bytes.Buffer
	if err := p.Run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log(out.String())
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
