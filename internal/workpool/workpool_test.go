package workpool

import (
	"sync"
	"testing"
	"time"
)

// A run that blocks holds only its own worker: everything scheduled after it still runs,
// and Schedule itself never waits.
func TestPoolNeverWaitBehindABlockedRun(t *testing.T) {
	w := New()
	release := make(chan struct{})
	blocked := make(chan struct{})
	w.Go(func() { close(blocked); <-release })
	<-blocked

	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		w.Go(wg.Done)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("runs scheduled after a blocked one did not complete")
	}
	close(release)
}

// Sequential runs reuse an idle worker instead of starting a goroutine each.
func TestPoolReuseIdleWorkers(t *testing.T) {
	w := New()
	const runs = 50
	for range runs {
		ran := make(chan struct{})
		w.Go(func() { close(ran) })
		<-ran
		time.Sleep(10 * time.Millisecond) // the worker is back waiting for work long before
	}
	if n := w.Started(); n > runs/2 {
		t.Fatalf("%d sequential runs started %d workers; idle ones were not reused", runs, n)
	}
}
