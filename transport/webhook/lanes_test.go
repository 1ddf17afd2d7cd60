package webhook

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

// keysOnLanes returns a key on each of n different lanes.
func keysOnLanes(l *lanes, n int) []string {
	var keys []string
	seen := map[int]bool{}
	for i := 0; len(keys) < n; i++ {
		k := "conversation/" + strconv.Itoa(i)
		if idx := l.index(k); !seen[idx] {
			seen[idx] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// A full lane refuses without blocking, and so does every lane of the entry it refused, for
// later entries too (none may overtake the refused one within its keys), while other lanes
// take theirs. Once the full lane drained to half its depth it asks for a replay, which lets
// the lanes take entries again. An entry with more jobs for a lane than the depth fits an
// emptier lane.
func TestFullLaneRefusesWithoutBlockingAndAsksForReplayOnceDrained(t *testing.T) {
	const depth = 4
	drained := make(chan struct{}, 16)
	l := newLanes(4, depth, func(error) {}, func() { drained <- struct{}{} })
	t.Cleanup(l.close)
	keys := keysOnLanes(l, 4)
	full, shared, other, big := keys[0], keys[1], keys[2], keys[3]
	p := &Processor{stats: &Stats{}, marks: make(chan string, 64), stop: make(chan struct{}), held: map[string]struct{}{}}
	release, started := make(chan struct{}), make(chan struct{}, 64)
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before l.close (cleanups run last first): a failed test does not hang
	entry := func(id string, keys ...string) *tracked {
		tr := &tracked{id: id, p: p}
		tr.pending.Store(1)
		for _, k := range keys {
			tr.jobs = append(tr.jobs, job{key: k, entry: tr, run: func(context.Context) error {
				if k == full {
					started <- struct{}{}
					<-release
				}
				return nil
			}})
		}
		return tr
	}
	push := func(tr *tracked) bool {
		tr.pending.Add(int32(len(tr.jobs)))
		return l.pushAll(tr.jobs)
	}
	// One job runs (blocked) and depth wait behind it: the lane is full.
	for i := range depth {
		if !push(entry("f"+strconv.Itoa(i), full)) {
			t.Fatalf("lane refused job %d below its depth", i)
		}
	}
	<-started // the first job is off the queue
	if !push(entry("f-last", full)) {
		t.Fatal("lane refused a job at depth-1")
	}
	done := make(chan bool)
	go func() { done <- push(entry("e-both", full, shared)) }()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("a full lane took an entry past its depth")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pushing to a full lane blocked")
	}
	if push(entry("e-shared", shared)) {
		t.Fatal("a lane of the refused entry took a later entry: it would overtake the refused one")
	}
	if !push(entry("e-other", other)) {
		t.Fatal("an unrelated lane refused an entry")
	}
	if n := len(drained); n != 0 {
		t.Fatalf("%d replays asked for while the lane is still full", n)
	}
	unblock()
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("the drained lane never asked for a replay")
	}
	l.unspill()
	if !push(entry("e-both-again", full, shared)) {
		t.Fatal("the lanes refused the entry after the replay's unspill")
	}
	var many []string
	for range 3 * depth {
		many = append(many, big)
	}
	if !push(entry("e-big", many...)) {
		t.Fatal("an empty lane refused an entry with more jobs than its depth")
	}
}
