package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/switchboard/switchboard/internal/ctxsleep"
)

// maxBackoff caps the pause between attempts of one call.
const maxBackoff = 100 * time.Millisecond

// Call sends req to the grain kind/identity and returns its decoded reply. It retries —
// with millisecond backoff, until ctx's deadline — when the grain cannot be located, its
// activation died (dead letter), it timed out, or it answered "moved"/"stopping"; each retry
// drops the cached PID so the next attempt locates the grain afresh. Requests must therefore
// be idempotent (grains dedupe by wamid or command id). A Failure reply that is not
// retryable comes back as a *Failure error. A request to a grain of this node that is still
// in its mailbox when ctx's deadline passes is not applied (FailureExpired): the error Call
// returned then is the truth, not a guess.
func (n *Node) Call(ctx context.Context, kind, identity string, req any) (any, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if _, ok := n.codec.name(req); !ok {
		return nil, errUnregistered(req)
	}
	// The first attempt goes at once, but not past the deadline: a locate would activate the
	// grain for nothing (Sleep(0) reports an ended ctx).
	var backoff time.Duration
	var last error
	for {
		if err := ctxsleep.Sleep(ctx, backoff); err != nil {
			if last == nil {
				return nil, fmt.Errorf("cluster: call %s/%s: %w", kind, identity, err)
			}
			return nil, fmt.Errorf("cluster: call %s/%s: %w (last: %v)", kind, identity, err, last)
		}
		backoff = min(max(backoff*2, time.Millisecond), maxBackoff)
		if n.system.IsStopped() {
			return nil, ErrStopped
		}
		pid := n.locate(ctx, kind, identity)
		if pid == nil {
			last = errors.New("no activation located")
			continue
		}
		v, err := n.ask(ctx, pid, req)
		if err != nil {
			n.cluster.PidCache.RemoveByValue(identity, kind, pid)
			last = err
			if errors.Is(err, actor.ErrTimeout) || errors.Is(err, remote.ErrTimeout) ||
				errors.Is(err, actor.ErrDeadLetter) || errors.Is(err, remote.ErrDeadLetter) {
				continue
			}
			return nil, fmt.Errorf("cluster: call %s/%s: %w", kind, identity, err)
		}
		if f, ok := v.(*Failure); ok {
			if f.retryable() {
				n.cluster.PidCache.RemoveByValue(identity, kind, pid)
				last = f
				continue
			}
			return nil, f
		}
		return v, nil
	}
}

// ask sends req to pid and waits for its reply: over a channel when pid lives in this node
// (askLocal), else through a protoactor future with the request encoded.
func (n *Node) ask(ctx context.Context, pid *actor.PID, req any) (any, error) {
	if n.isLocal(pid) && !n.alwaysEncode {
		return n.askLocal(ctx, pid, req)
	}
	env, err := n.codec.Encode(req)
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	d := time.Until(deadline)
	if d <= 0 {
		// protoactor arms a future's timer only for d ≥ 0: a negative one would wait forever
		// for a grain that does not answer. Call retries this and reports ctx's error.
		return nil, actor.ErrTimeout
	}
	res, err := n.requestEnvelope(pid, env, d).Result()
	if err != nil {
		return nil, err
	}
	switch reply := res.(type) {
	case *local:
		return reply.msg, nil
	case *anypb.Any:
		return n.codec.Decode(reply)
	default:
		return nil, fmt.Errorf("unexpected reply %T", res)
	}
}

// locate returns the activation's PID, from the cache or by asking the identity lookup
// (which activates the grain on its owner) for no longer than ctx allows. nil: none located,
// or only one that has just stopped.
func (n *Node) locate(ctx context.Context, kind, identity string) *actor.PID {
	return n.locateBy(lookupDeadline(ctx), kind, identity)
}

// locateBy is locate with the lookup, if the cache has no PID, waiting no later than deadline.
func (n *Node) locateBy(deadline time.Time, kind, identity string) *actor.PID {
	if pid, ok := n.cluster.PidCache.Get(identity, kind); ok {
		return pid
	}
	pid := n.lookup(deadline, kind, identity)
	if pid == nil {
		return nil
	}
	n.cluster.PidCache.Set(identity, kind, pid)
	// protoactor drops a stopping activation's PID from the cache in its Stopped handler, but
	// the placement actor answers that PID until it has processed the Terminated sent after
	// it: a lookup in between would cache a dead PID nothing evicts, and every later Tell
	// would go to dead letters. Checked after Set: an activation deregistered later is
	// evicted by its own Stopped handler, which runs after it leaves the registry. Another
	// member's activation whose end this member heard of before caching it is dropped too
	// (ended.go); one whose end it hears of later is evicted then (ownership.watch).
	if (n.isLocal(pid) && !n.alive(pid)) || n.owner.ended.has(pid, time.Now()) {
		n.cluster.PidCache.RemoveByValue(identity, kind, pid)
		return nil
	}
	return pid
}

// Tell sends msg to the grain kind/identity and does not wait: one attempt, no retry, no
// answer, no word of its fate (the grain's Reply is a no-op). It is for messages whose loss
// something else repairs — an index the grain rebuilds at activation, evidence the receiver
// asks for again — and costs a fraction of a Call: no reply channel, no timer, no hand-off
// back. A message reaches a live activation after everything the caller sent it before and
// before anything it sends later (mailboxes are FIFO), so a caller that answers its own
// client after a Tell knows the grain sees the told change before that client's next call;
// a message to an activation that is stopping is dropped, and one to an activation that has
// just stopped (the lookup still names it) is refused with an error. Locating a grain that is
// not cached asks the identity lookup, which may activate it; ctx bounds that wait (without a
// deadline, tellLookupTimeout does), and only that wait: the send itself never blocks. A
// grain telling from its Receive passes a short deadline, as its mailbox waits for the lookup
// — an owner that is leaving, or gone, answers no lookup.
func (n *Node) Tell(ctx context.Context, kind, identity string, msg any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cluster: tell %s/%s: %w", kind, identity, err)
	}
	return n.TellBy(lookupDeadline(ctx), kind, identity, msg)
}

// TellBy is Tell with the lookup bounded by a time rather than a context: a grain's hot path
// (a flush, an accepted send) tells without building a context and its timer per message, and
// a cached PID, the usual case, never reads the bound.
func (n *Node) TellBy(deadline time.Time, kind, identity string, msg any) error {
	if _, ok := n.codec.name(msg); !ok {
		return errUnregistered(msg)
	}
	if n.system.IsStopped() {
		return ErrStopped
	}
	pid := n.locateBy(deadline, kind, identity)
	if pid == nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster: tell %s/%s: no activation located: %w", kind, identity, context.DeadlineExceeded)
		}
		return fmt.Errorf("cluster: tell %s/%s: no activation located", kind, identity)
	}
	// A local value without a reply channel, or an envelope: either way no one answers.
	v, err := n.wrap(pid, msg)
	if err != nil {
		return fmt.Errorf("cluster: tell %s/%s: %w", kind, identity, err)
	}
	n.system.Root.Send(pid, v)
	return nil
}
