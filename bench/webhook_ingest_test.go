package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The scenario runs end to end and validates itself (every acknowledged message stored and
// visible exactly once). Speed is not asserted: that is the bench's job, not a test's.
func TestWebhookIngestValidatesItself(t *testing.T) {
	s := WebhookIngest{AckRate: 200, AckRateDuration: 300 * time.Millisecond,
		Duration: 500 * time.Millisecond, CeilingDuration: 200 * time.Millisecond, Concurrency: 8,
		Tenants: 3, Conversations: 120, MessagesPerRequest: 2, DrainTimeout: time.Minute}
	var out bytes.Buffer
	rep, err := s.Run(context.Background(), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// Both phases' messages are stored and visible; the fixed rate's 59 webhooks are due
	// from 5 ms to 295 ms.
	if rep.AcksAtRate.Requests != 59 || rep.Messages != 2*(59+rep.Acks.Requests) || rep.Visible != rep.Messages || rep.CeilingPerSecond <= 0 {
		t.Fatalf("report %+v", rep)
	}
	// Each latency says how it was measured: at which rate, or at saturation with how many clients.
	for _, want := range []string{"at 200 webhooks/s", "at saturation, 8 clients"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("no %q in the report:\n%s", want, out.String())
		}
	}
	t.Log(out.String())
}

// With --ack-only nothing is processed, so the check is that every acknowledged webhook is in
// the inbox, once: an ack-only run printed its acks/s without checking anything.
func TestWebhookIngestAckOnlyValidatesItself(t *testing.T) {
	s := WebhookIngest{AckRate: 200, AckRateDuration: 300 * time.Millisecond,
		Duration: 500 * time.Millisecond, CeilingDuration: 200 * time.Millisecond, Concurrency: 8,
		Tenants: 3, Conversations: 120, MessagesPerRequest: 2, DrainTimeout: time.Minute, AckOnly: true}
	var out bytes.Buffer
	rep, err := s.Run(context.Background(), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := fmt.Sprintf("all %d webhooks of the run stored in the inbox exactly once", rep.AcksAtRate.Requests+rep.Acks.Requests)
	if !strings.Contains(out.String(), want) {
		t.Fatalf("no %q in the report:\n%s", want, out.String())
	}
	t.Log(out.String())
}

func TestInboxHoldsEveryAck(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		acked, stored, distinct int64
		ok                      bool
	}{
		{"each once", 10, 10, 10, true},
		{"none", 0, 0, 0, true},
		{"one lost", 10, 9, 9, false},
		{"one stored twice", 10, 11, 10, false},
		{"one lost, another stored twice: the count alone matches", 10, 10, 9, false},
	} {
		if err := inboxHoldsEveryAck(tc.acked, tc.stored, tc.distinct); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	body := inboundBody("1", "55", 42, 2)
	if got := firstMessageID(body); got != "wamid.bench.42.0" {
		t.Errorf("first message id %q of %s", got, body)
	}
}
