package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// Both outbound scenarios run end to end and validate themselves (every accepted send at
// Meta exactly once; no one-second window above a number's rate). Speed is not asserted.
func TestSendThroughputValidatesItself(t *testing.T) {
	s := SendThroughput{Duration: 500 * time.Millisecond, Concurrency: 8, Tenants: 2, Conversations: 5,
		LatencyRate: 50, LatencyDuration: 300 * time.Millisecond, DrainTimeout: time.Minute, Backlog: 40}
	var out bytes.Buffer
	if err := s.Run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "backlog → sent") {
		t.Fatalf("the backlog phase did not report:\n%s", out.String())
	}
	t.Log(out.String())
}

func TestPacingValidatesItself(t *testing.T) {
	p := Pacing{Duration: 2 * time.Second, Rates: []int{10, 25}, Conversations: 10}
	var out bytes.Buffer
	if err := p.Run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log(out.String())
}
