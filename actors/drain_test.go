package actors

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDrainWaitsForAttemptsInFlight(t *testing.T) {
	var d Drain
	if !d.begin() {
		t.Fatal("begin refused before Close")
	}
	if d.closing() {
		t.Fatal("closing before Close")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.Close(ctx); err == nil {
		t.Fatal("Close returned with an attempt in flight")
	}
	if !d.closing() {
		t.Fatal("no new attempts may start once closing")
	}
	if d.begin() {
		t.Fatal("begin granted a hold after Close")
	}
	d.end()
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var none *Drain // a node without draining
	if !none.begin() {
		t.Fatal("nil drain refused a hold")
	}
	none.end()
	if none.closing() {
		t.Fatal("nil drain closing")
	}
}

// Every hold begin grants is one Close waits for, however the two interleave: a hold is
// either refused or ended before Close returns. (A check of closing followed by a separate
// count let a hold start after Close had returned.)
func TestDrainCloseNeverMissesAGrantedHold(t *testing.T) {
	for round := range 200 {
		var d Drain
		var afterClose atomic.Bool
		var late atomic.Int32
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for d.begin() {
					time.Sleep(time.Microsecond) // the attempt
					if afterClose.Load() {
						late.Add(1) // Close returned while this hold was granted
					}
					d.end()
				}
			}()
		}
		time.Sleep(time.Duration(round%5) * 100 * time.Microsecond)
		if err := d.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		afterClose.Store(true)
		wg.Wait()
		if n := late.Load(); n > 0 {
			t.Fatalf("round %d: %d holds were still running after Close returned", round, n)
		}
	}
}
