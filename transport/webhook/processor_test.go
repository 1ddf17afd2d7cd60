package webhook

import (
	"context"
	"testing"
)

// An entry one of whose jobs the lanes refused (they stopped: a shutdown) stays pending,
// for the next start's replay, however its other jobs end: marking it processed would lose
// an acknowledged webhook. An entry whose jobs all ran is marked.
func TestEntryWithAnAbandonedJobIsNotMarked(t *testing.T) {
	for _, tc := range []struct {
		name       string
		stopBefore int // jobs queued before the lanes stop
		jobs       int
		marked     bool
	}{
		{"every job ran", 2, 2, true},
		{"the only job refused", 0, 1, false},
		{"one job ran, the next refused", 1, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Processor{stats: &Stats{}, marks: make(chan string, 4), stop: make(chan struct{})}
			p.lanes = newLanes(1, 4, func(error) {})
			entry := &tracked{id: "entry", p: p}
			entry.pending.Store(1) // dispatch's hold while it queues
			ran := make(chan struct{}, tc.jobs)
			for i := range tc.jobs {
				if i == tc.stopBefore {
					p.lanes.close() // waits for the lane: the jobs that ran have finished
				}
				p.enqueue(entry, "conversation", func(context.Context) error { ran <- struct{}{}; return nil })
				if i < tc.stopBefore {
					<-ran
				}
			}
			if tc.stopBefore == tc.jobs {
				p.lanes.close()
			}
			entry.done() // dispatch lets go
			select {
			case id := <-p.marks:
				if !tc.marked {
					t.Fatalf("%s marked processed with a job that never ran", id)
				}
			default:
				if tc.marked {
					t.Fatal("not marked although every job ran")
				}
			}
		})
	}
}
