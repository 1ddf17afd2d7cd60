package cluster

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/switchboard/switchboard/internal/workpool"
)

// mailboxThroughput is how many messages a mailbox processes before it yields its worker
// (protoactor's default).
const mailboxThroughput = 300

// workers is the dispatcher of every grain's mailbox: it runs mailboxes on a workpool's
// long-lived goroutines instead of protoactor's default, a new goroutine per mailbox run,
// whose stack grows by copying each time a grain encodes JSON (in send-throughput profiles,
// stack growth was ~13% of all CPU, most of it in mailbox runs). A run that blocks holds only
// its own worker.
type workers struct{ pool *workpool.Pool }

var _ actor.Dispatcher = workers{}

func newWorkers() workers { return workers{pool: workpool.New()} }

func (w workers) Schedule(fn func()) { w.pool.Go(fn) }

func (w workers) Throughput() int { return mailboxThroughput }
