package cluster

import (
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// workerIdle is how long a mailbox worker waits for more work before it exits.
const workerIdle = 10 * time.Second

// mailboxThroughput is how many messages a mailbox processes before it yields its worker
// (protoactor's default).
const mailboxThroughput = 300

// workers is the dispatcher of every grain's mailbox: it runs mailboxes on long-lived
// goroutines instead of protoactor's default, a new goroutine per mailbox run. A new
// goroutine starts with a small stack and grows it by copying each time a grain encodes JSON
// (deep encoder frames): in send-throughput profiles, stack growth was ~13% of all CPU, most of
// it in mailbox runs. A worker keeps its grown stack between runs.
//
// Schedule never waits: an idle worker takes the run at once, else a new worker starts. So a
// run that blocks holds only its own worker, and the pool is as large as the busiest moment
// needed, shrinking again after workerIdle.
type workers struct {
	work    chan func() // unbuffered: a send succeeds only into an idle worker's hands
	started atomic.Int64
}

var _ actor.Dispatcher = (*workers)(nil)

func newWorkers() *workers { return &workers{work: make(chan func())} }

func (w *workers) Schedule(fn func()) {
	select {
	case w.work <- fn:
	default:
		w.started.Add(1)
		go w.run(fn)
	}
}

func (w *workers) Throughput() int { return mailboxThroughput }

func (w *workers) run(fn func()) {
	fn()
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		select {
		case fn := <-w.work:
			fn()
			idle.Reset(workerIdle)
		case <-idle.C:
			return
		}
	}
}
