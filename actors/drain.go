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
//
// Refusing a hold and counting one happen under one lock: a grain that checked "not
// closing" and then counted its attempt could otherwise count it after Close had already
// seen none in flight and returned (a sync.WaitGroup's Add racing its Wait).
type Drain struct {
	closed atomic.Bool // read without the lock on hot paths; written under it

	mu   sync.Mutex
	held int
	idle chan struct{} // made by Close while holds remain; closed when the last one ends
}

// closing reports whether new attempts must wait for the next process.
func (d *Drain) closing() bool { return d != nil && d.closed.Load() }

// begin counts an attempt (or a grain's unwritten changes) until end, and reports false,
// counting nothing, once the drain is closed: the caller must then start nothing.
func (d *Drain) begin() bool {
	if d == nil {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed.Load() {
		return false
	}
	d.held++
	return true
}

// end releases a hold begin granted.
func (d *Drain) end() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.held--
	switch {
	case d.held < 0:
		panic("actors: Drain.end without begin")
	case d.held == 0 && d.idle != nil:
		close(d.idle)
		d.idle = nil
	}
}

// Close stops new attempts and waits for the ones in flight, at most until ctx ends. It may
// be called again, to wait longer.
func (d *Drain) Close(ctx context.Context) error {
	d.mu.Lock()
	d.closed.Store(true)
	if d.held == 0 {
		d.mu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
