package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPrintIfValid(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     func(io.Writer) error
		printed string
		failed  bool
	}{
		{"valid: the figures are printed", func(w io.Writer) error { fmt.Fprint(w, "  throughput 5000 req/s\n"); return nil },
			"  throughput 5000 req/s\n", false},
		{"invalid after measuring: nothing is", func(w io.Writer) error {
			fmt.Fprint(w, "  throughput 5000 req/s\n")
			return errors.New("bench: only 9 of 10 accepted sends reached Meta")
		}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := printIfValid(&out, tc.run)
			if out.String() != tc.printed || (err != nil) != tc.failed {
				t.Fatalf("printed %q, err %v; want %q, failed %v", out.String(), err, tc.printed, tc.failed)
			}
		})
	}
}

// End to end: a send-throughput run whose sends cannot all reach Meta within its 1 ns drain
// timeout (the backlog's 400 cannot, whatever the throughput phase's did) fails after its
// ceiling, latency and throughput phases have measured, and prints none of their figures.
func TestAnInvalidSendThroughputPrintsNoFigures(t *testing.T) {
	s := SendThroughput{Duration: 300 * time.Millisecond, Concurrency: 8, Tenants: 2, Conversations: 5,
		LatencyRate: 50, LatencyDuration: 200 * time.Millisecond, DrainTimeout: time.Nanosecond, Backlog: 200,
		CeilingDuration: 100 * time.Millisecond}
	var out bytes.Buffer
	err := s.Run(context.Background(), &out)
	if err == nil {
		t.Fatalf("every send reached Meta within 1 ns:\n%s", out.String())
	}
	for _, figure := range []string{"req/s", "msg/s", "p99", "µs"} {
		if strings.Contains(out.String(), figure) {
			t.Errorf("the invalid run (%v) printed %q:\n%s", err, figure, out.String())
		}
	}
	t.Logf("%v\n%s", err, out.String())
}
