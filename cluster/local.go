package cluster

import (
	"context"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// local carries a request between a caller and a grain of the same node. Within one process
// the value itself travels, not its JSON, and the reply comes back on a channel instead of
// through a protoactor future: no encoding, no future process to register, name and remove,
// far less garbage on the hot path (a send API call makes four grain calls). Between nodes
// every message is still an Envelope (encoded Any) answered through a future, which is what
// protoactor's remote requires. The value is shared, so neither side may change it after
// sending: requests and replies are built per call and never reused.
type local struct {
	msg   any
	reply chan any // buffered (1); nil for a reply carried back to a future, and for a Tell
	// deadline is the caller's (a request's; zero for a reply or a Tell): a request still in
	// the mailbox after it is not applied (grainActor), as its caller was told it failed.
	deadline time.Time
}

// livenessCheck is how often a local call waiting for its reply checks that the grain still
// exists. A future learns of a dead activation from the dead-letter process; a channel would
// not, so the caller looks. A stopping activation answers the requests queued before its
// poison pill (Context.Stop); one that arrived after the pill is discarded by protoactor
// without a word, and one sent to an activation already gone is never read: both are
// retried at once, not at the deadline.
const livenessCheck = 100 * time.Millisecond

// checkTimers recycles the liveness timers: a send API call makes a local call or two, and
// a timer each was an allocation and a timer-heap entry made and dropped per call.
var checkTimers = sync.Pool{New: func() any {
	t := time.NewTimer(livenessCheck)
	t.Stop()
	return t
}}

// isLocal reports whether pid lives in this node's actor system.
func (n *Node) isLocal(pid *actor.PID) bool {
	return pid != nil && pid.Address == n.system.Address()
}

// wrap prepares a reply or a told message for pid: itself when local (unless the node was
// told to always encode), else an Envelope.
func (n *Node) wrap(pid *actor.PID, msg any) (any, error) {
	if n.isLocal(pid) && !n.alwaysEncode {
		if _, ok := n.codec.name(msg); !ok {
			return nil, errUnregistered(msg)
		}
		return &local{msg: msg}, nil
	}
	return n.codec.Encode(msg)
}

// askLocal sends req to a grain of this node and waits for the reply on a channel.
// actor.ErrDeadLetter: the activation is gone and did not answer; actor.ErrTimeout: ctx
// ended first. Both are retried by Call.
func (n *Node) askLocal(ctx context.Context, pid *actor.PID, req any) (any, error) {
	// No liveness check before sending: it costs a registry lookup per call (~2% of CPU in
	// send-throughput), and protoactor drops a stopped activation from the PID cache, so a
	// stale PID is a rare race the wait below catches.
	deadline, _ := ctx.Deadline()
	l := &local{msg: req, reply: make(chan any, 1), deadline: deadline}
	n.system.Root.Send(pid, l)
	check := checkTimers.Get().(*time.Timer)
	check.Reset(livenessCheck)
	defer func() {
		check.Stop() // since Go 1.23 a stopped timer delivers nothing stale: safe to reuse
		checkTimers.Put(check)
	}()
	for {
		select {
		case v := <-l.reply:
			return v, nil
		case <-ctx.Done():
			return nil, actor.ErrTimeout
		case <-check.C:
			if !n.alive(pid) {
				select {
				case v := <-l.reply: // answered on its way out
					return v, nil
				default:
					return nil, actor.ErrDeadLetter
				}
			}
			check.Reset(livenessCheck)
		}
	}
}

// alive reports whether the local process pid names is registered.
func (n *Node) alive(pid *actor.PID) bool {
	_, ok := n.system.ProcessRegistry.Get(pid)
	return ok
}
