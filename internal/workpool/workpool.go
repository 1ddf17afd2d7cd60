// Package workpool runs functions on long-lived goroutines.
//
// A new goroutine starts with a small stack and grows it by copying each time the function
// reaches deep frames (goccy/go-json's encoder VM is the usual culprit here). On the hot
// paths — grain mailboxes, the sender's claims and settles, conversation flushes — that
// copying was 5–13% of all CPU in send-throughput profiles. A pooled goroutine keeps its
// grown stack between runs.
package workpool

import (
	"sync/atomic"
	"time"
)

// idleFor is how long a worker waits for more work before it exits.
const idleFor = 10 * time.Second

// Pool runs each function it is given on an idle worker, or on a new one when none is idle.
// Go never waits, so a function that blocks holds only its own worker: the pool is as large
// as the busiest moment needed, and shrinks again after idleFor.
type Pool struct {
	work    chan func() // unbuffered: a send succeeds only into an idle worker's hands
	started atomic.Int64
}

// New returns an empty pool.
func New() *Pool { return &Pool{work: make(chan func())} }

// Go runs fn on a worker.
func (p *Pool) Go(fn func()) {
	select {
	case p.work <- fn:
	default:
		p.started.Add(1)
		go p.run(fn)
	}
}

// Started is how many workers the pool has started so far.
func (p *Pool) Started() int64 { return p.started.Load() }

func (p *Pool) run(fn func()) {
	fn()
	idle := time.NewTimer(idleFor)
	defer idle.Stop()
	for {
		select {
		case fn := <-p.work:
			fn()
			idle.Reset(idleFor)
		case <-idle.C:
			return
		}
	}
}
