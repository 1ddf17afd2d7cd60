package actors

import (
	"context"
	"sync"
	"sync/atomic"
)

// Drain lets a node finish its sends before it stops: once closed, tenants start no new
// attempt, and Close waits until every attempt already started has its outcome written.
// Without it a graceful stop would leave messages in "sending", to be reconciled (slowly,
// by design) after the restart. One per node, in Deps.
type Drain struct {
	closed atomic.Bool
	wg     sync.WaitGroup
}

// closing reports whether new attempts must wait for the next process.
func (d *Drain) closing() bool { return d != nil && d.closed.Load() }

func (d *Drain) begin() {
	if d != nil {
		d.wg.Add(1)
	}
}

func (d *Drain) end() {
	if d != nil {
		d.wg.Done()
	}
}

// Close stops new attempts and waits for the ones in flight, at most until ctx ends.
func (d *Drain) Close(ctx context.Context) error {
	d.closed.Store(true)
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
