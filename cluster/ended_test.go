package cluster

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// An ended activation is remembered for endedMemory at least and twice that at most, so the
// memory of ends stays bounded by the activations that end in that time.
func TestEndedPIDsAreForgotten(t *testing.T) {
	var e endedPIDs
	t0 := time.Unix(1767225600, 0)
	pid := actor.NewPID("127.0.0.1:1", "probe/x$1")
	e.add(pid, t0)
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{
		{0, true},
		{endedMemory / 2, true},
		{endedMemory * 3 / 2, true},
		{endedMemory * 5 / 2, false},
	} {
		if got := e.has(pid, t0.Add(tc.after)); got != tc.want {
			t.Fatalf("%v after its end: remembered %v, want %v", tc.after, got, tc.want)
		}
	}
	if e.has(actor.NewPID("127.0.0.1:1", "probe/x$2"), t0) {
		t.Fatal("an activation that did not end is remembered as ended")
	}
}
