package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"
)

// Kind is a grain kind: a name and a factory for its state machine.
type Kind struct {
	Name string
	// New makes the grain for one identity; it is called once per activation.
	New func(identity string) Grain
}

// Options configure a node's actor system.
type Options struct {
	// ClusterName is the protoactor cluster name (CLUSTER_NAME).
	ClusterName string
	// Addr is host:port for the remote listener; port 0 picks one.
	Addr  string
	Kinds []Kind
	Codec *Codec
	// Provider supplies membership; nil runs a single-member cluster.
	Provider pcluster.ClusterProvider
	Logger   *slog.Logger
	// AlwaysEncode sends even local calls as Envelopes (tests use it to exercise the
	// cross-node encoding on one node).
	AlwaysEncode bool
}

// Node is this process's member of the actor cluster.
type Node struct {
	system  *actor.ActorSystem
	cluster *pcluster.Cluster
	codec   *Codec
	log     *slog.Logger
	owner   *ownership
	// graceful leave is needed only when other members must take over our identities.
	graceful     bool
	alwaysEncode bool
	stop         sync.Once
}

// Start boots the actor system and joins the cluster. protoactor panics on some start-up
// failures (a taken port); Start turns those into errors.
func Start(opts Options) (n *Node, err error) {
	host, portStr, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("cluster: address %q: %w", opts.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("cluster: address %q: %w", opts.Addr, err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		// protoactor logs every activation at Info; keep it at Warn unless debugging.
		return slog.New(atLeast{log.Handler(), slog.LevelWarn}).With("component", "protoactor")
	}))
	n = &Node{system: system, codec: opts.Codec, log: log, alwaysEncode: opts.AlwaysEncode}
	n.owner = newOwnership(system)

	provider := opts.Provider
	n.graceful = provider != nil
	if provider == nil {
		provider = newSingleMember()
	}
	var kinds []pcluster.ConfigOption
	mailboxes := newWorkers()
	for _, k := range opts.Kinds {
		k := k
		props := actor.PropsFromProducer(func() actor.Actor { return newGrainActor(n, k) },
			actor.WithDispatcher(mailboxes), actor.WithMailbox(actor.Unbounded(arrivalStamp{})))
		kinds = append(kinds, pcluster.WithKinds(pcluster.NewKind(k.Name, props)))
	}
	cfg := pcluster.Configure(opts.ClusterName, provider, disthash.New(),
		remote.Configure(host, port), kinds...)
	n.cluster = pcluster.New(system, cfg)
	n.owner.watch(n.cluster)

	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cluster: start member on %s: %v", opts.Addr, r)
		}
	}()
	n.cluster.StartMember()
	return n, nil
}

// Address is this member's cluster address.
func (n *Node) Address() string { return n.system.Address() }

// Owns reports whether this member owns kind/identity under the topology it knows (yes
// before it knows one), as the identity lookup places activations: for work every member
// could find (a scan of the store) that only the grain's owner should start.
func (n *Node) Owns(kind, identity string) bool { return n.owner.owns(kind, identity) }

// Stop leaves the cluster. Every activation of this member gets *actor.Stopping (and writes
// what it holds) first; Stop waits for them until ctx ends, then shuts the node down anyway.
func (n *Node) Stop(ctx context.Context) {
	n.stop.Do(func() {
		if !n.graceful {
			// The pinned protoactor poisons activations only in a graceful leave (inside
			// IdentityLookup.Shutdown, after the provider has left, so the other members
			// stop routing here first); Shutdown(false) only closes the system and the
			// remote, leaving every grain running against whatever its owner closes next.
			n.stopActivations(ctx)
			n.cluster.Shutdown(false)
			return
		}
		n.leave(ctx)
	})
}

// leave is Stop for a member of a cluster. protoactor's graceful Shutdown marks the actor
// system stopped before it stops a single activation, so every call a stopping grain makes
// (a hand-over waking the next owner) fails ErrStopped; and it waits for the activations
// without bound, then sleeps 2 s, whatever the caller's deadline. So the
// member stops its activations while the system still runs and it is still a member, then
// leaves the membership, and only then shuts down, returning at ctx's end whatever is left
// (the second leave and lookup shutdown inside protoactor's are no-ops: protoactor itself
// shuts the lookup down twice, and a provider's Shutdown must bear a second call). Leaving
// first would be the wrong way round: a member that saw this one leave refuses what it
// sends (protoactor's block list), so a stopping grain's hand-over timed out whenever the
// others heard of the leave before the grain called (1 run in 8 of
// TestLeavingMembersGrainsCanCallOut). Requests meanwhile for this member's identities meet
// a stopping activation or placement, are answered "stopping" or time out, and are retried
// by Call within their deadline, on the new owner once this member has left.
func (n *Node) leave(ctx context.Context) {
	n.stopActivations(ctx)
	if err := n.cluster.Config.ClusterProvider.Shutdown(true); err != nil {
		n.log.Warn("cluster: leaving the membership", "err", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.cluster.Shutdown(true)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		n.log.Warn("cluster: still leaving at the shutdown deadline", "err", ctx.Err())
	}
}

// stopActivations poisons every activation of this member and waits until they have
// stopped or ctx ends. Poisoning waits for each grain's queued messages and its Stopping
// handler (protoactor bounds that at 10 s); a grain stuck longer is left to protoactor's
// timeout so a stop cannot outlast the caller's deadline.
func (n *Node) stopActivations(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.cluster.IdentityLookup.Shutdown()
	}()
	select {
	case <-done:
	case <-ctx.Done():
		n.log.Warn("cluster: activations still stopping at the shutdown deadline", "err", ctx.Err())
	}
}

// ErrStopped is returned by calls after Stop.
var ErrStopped = errors.New("cluster: node stopped")
