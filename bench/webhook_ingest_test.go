package bench

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// The scenario runs end to end and validates itself (every acknowledged message stored and
// visible exactly once). Speed is not asserted: that is the bench's job, not a test's.
func TestWebhookIngestValidatesItself(t *testing.T) {
	s := WebhookIngest{Duration: 500 * time.Millisecond, CeilingDuration: 200 * time.Millisecond, Concurrency: 8,
		Tenants: 3, Conversations: 120, MessagesPerRequest: 2, DrainTimeout: time.Minute}
	var out bytes.Buffer
	rep, err := s.Run(context.Background(), &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if rep.Messages == 0 || rep.Visible != rep.Messages || rep.CeilingPerSecond <= 0 {
		t.Fatalf("report %+v", rep)
	}
	t.Log(out.String())
}
