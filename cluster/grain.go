package cluster

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"google.golang.org/protobuf/types/known/anypb"
)

// Grain is one activation's state machine. Receive runs on the activation's goroutine, one
// message at a time: decoded requests (pointers to registered types), protoactor lifecycle
// messages (*actor.Started, *actor.Stopping, *actor.ReceiveTimeout …) and whatever local
// messages the grain sends itself.
type Grain interface {
	Receive(c *Context, msg any)
}

// Context is what a grain may do while handling one message.
type Context struct {
	actor actor.Context // the current message's: rewritten by every Receive
	// self is the activation's PID, set once before the grain's first message, so goroutines
	// the grain starts may read it (Tell) while the grain goes on receiving.
	self     *actor.PID
	node     *Node
	Kind     string
	Identity string
	replier  Replier
	owns     ownsCache
	// leaving: Stop was called. The activation ends once the messages already in its mailbox
	// are through; it answers their requests "stopping" and hands the grain nothing more but
	// its own stop.
	leaving bool
}

// Reply returns the handle that answers the current request. It stays valid after Receive
// returns, so a grain may answer once its writes are durable (group commit).
func (c *Context) Reply() Replier { return c.replier }

// Tell sends a local message to this activation (e.g. a flush result from a goroutine). It is
// safe from any goroutine: it reads only what the activation set before its first message.
func (c *Context) Tell(msg any) { c.node.system.Root.Send(c.self, msg) }

// Teller returns a function that sends to this activation, for goroutines it starts.
func (c *Context) Teller() func(any) {
	self, root := c.self, c.node.system.Root
	return func(msg any) { root.Send(self, msg) }
}

// SetReceiveTimeout arms passivation: after d without messages the grain gets
// *actor.ReceiveTimeout.
func (c *Context) SetReceiveTimeout(d time.Duration) { c.actor.SetReceiveTimeout(d) }

// Stop stops this activation after the current message: the grain gets nothing more but
// *actor.Stopping and *actor.Stopped, and requests already queued are answered
// FailureStopping, which callers retry on the next activation. protoactor's own Stop would
// overtake the mailbox and discard those requests without a word (no dead letter), leaving a
// caller on another node to wait out its deadline; a poison pill queues behind them instead.
func (c *Context) Stop() {
	if c.leaving {
		return
	}
	c.leaving = true
	c.actor.Poison(c.self)
}

// Owns reports whether this member still owns the grain's identity. Call it from Receive
// only: the activation remembers the answer per topology, unsynchronised.
func (c *Context) Owns() bool { return c.node.owner.ownsCached(&c.owns, c.Kind, c.Identity) }

// Node is the member this grain runs on (for calls to other grains).
func (c *Context) Node() *Node { return c.node }

// Replier answers one request, from any goroutine, at most usefully once.
type Replier struct {
	node     *Node
	sender   *actor.PID // a remote caller's future
	reply    chan any   // a local caller's channel
	deadline time.Time  // the caller's, on this node's clock (zero: none)
}

// Deadline is when the caller stops waiting for the answer, on this node's clock (a remote
// caller's is stamped on arrival, deadline.go); ok false: not known (a Tell, a request from a
// node running older code). Work the answer waits for should end by then: the caller reports
// a failure at its deadline, so work that completes later must not take effect.
func (r Replier) Deadline() (time.Time, bool) { return r.deadline, !r.deadline.IsZero() }

// Send answers with v (a registered type).
func (r Replier) Send(v any) {
	if r.reply != nil {
		if _, ok := r.node.codec.name(v); !ok {
			r.node.log.Error("grain reply not encodable", "err", errUnregistered(v))
			v = &Failure{Code: "internal", Message: errUnregistered(v).Error()}
		}
		select {
		case r.reply <- v:
		default: // answered already
		}
		return
	}
	if r.sender == nil {
		return
	}
	env, err := r.node.wrap(r.sender, v)
	if err != nil {
		r.node.log.Error("grain reply not encodable", "err", err)
		env, _ = r.node.wrap(r.sender, &Failure{Code: "internal", Message: err.Error()})
	}
	r.node.system.Root.Send(r.sender, env)
}

// Fail answers with a Failure.
func (r Replier) Fail(code, message string) { r.Send(&Failure{Code: code, Message: message}) }

// FailFor answers with a Failure that holds for about d (rounded up to whole seconds, at
// least one): a limit that frees at a known time.
func (r Replier) FailFor(code, message string, d time.Duration) {
	secs := max(1, int((d+time.Second-1)/time.Second))
	r.Send(&Failure{Code: code, Message: message, RetryAfter: secs})
}

// grainActor adapts a Grain to protoactor: decodes envelopes, refuses work for identities
// this member no longer owns, and hands everything else through.
type grainActor struct {
	node  *Node
	kind  Kind
	grain Grain
	ctx   Context
}

func newGrainActor(n *Node, k Kind) actor.Actor { return &grainActor{node: n, kind: k} }

func (g *grainActor) Receive(ac actor.Context) {
	if g.grain == nil {
		ci := pcluster.GetClusterIdentity(ac)
		g.ctx = Context{node: g.node, self: ac.Self(), Kind: ci.Kind, Identity: ci.Identity}
		g.grain = g.kind.New(ci.Identity)
	}
	g.ctx.actor = ac
	g.ctx.replier = Replier{}
	switch m := ac.Message().(type) {
	case *anypb.Any, *local:
		g.ctx.replier = Replier{node: g.node, sender: ac.Sender()}
		if l, ok := m.(*local); ok {
			g.ctx.replier.reply, g.ctx.replier.deadline = l.reply, l.deadline
		} else {
			g.ctx.replier.deadline = envelopeDeadline(ac) // deadline.go
		}
		if d := g.ctx.replier.deadline; !d.IsZero() && time.Now().After(d) {
			// It waited in the mailbox (behind a slow activation, a busy grain) until its
			// caller gave up and reported a failure: applying it now would do what the
			// caller was told did not happen (a send refused 503, then sent). A Tell, and a
			// request from a node running older code, carry no deadline and are applied.
			g.ctx.replier.Fail(FailureExpired, g.ctx.Kind+"/"+g.ctx.Identity+": the caller's deadline passed before the request was handled")
			return
		}
		if g.ctx.leaving {
			g.ctx.replier.Fail(FailureStopping, g.ctx.Kind+"/"+g.ctx.Identity+" stopping")
			return
		}
		if !g.ctx.Owns() {
			// A stale activation after a topology change: refuse, and leave so the new
			// owner is the only writer.
			g.ctx.replier.Fail(FailureMoved, g.ctx.Kind+"/"+g.ctx.Identity+" moved")
			g.ctx.Stop()
			return
		}
		var msg any
		if l, ok := m.(*local); ok {
			msg = l.msg
		} else {
			var err error
			if msg, err = g.node.codec.Decode(m.(*anypb.Any)); err != nil {
				g.ctx.replier.Fail(FailureUnknownType, err.Error())
				return
			}
		}
		g.grain.Receive(&g.ctx, msg)
	case *pcluster.ClusterInit:
		// The identity is already known from the context extension.
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
		g.grain.Receive(&g.ctx, m)
	default:
		if g.ctx.leaving {
			// Dropped as protoactor's Stop would have: timers and results of work a grain
			// gave up (a flushDue for a conversation whose state is gone).
			return
		}
		g.grain.Receive(&g.ctx, m)
	}
}
