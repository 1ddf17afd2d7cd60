package cluster

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
)

// tellLookupTimeout bounds the lookup of a Tell whose ctx has no deadline: protoactor's own.
const tellLookupTimeout = 5 * time.Second

// lookupDeadline is how long a lookup for ctx may wait: ctx's deadline, or tellLookupTimeout
// from now without one.
func lookupDeadline(ctx context.Context) time.Time {
	if deadline, ok := ctx.Deadline(); ok {
		return deadline
	}
	return time.Now().Add(tellLookupTimeout)
}

// lookup asks the identity's owner for its activation, which activates the grain there if it
// is not active, and waits no later than deadline. It is what protoactor's cluster.Get
// does with the disthash lookup (Manager.Get in the pinned version: the same rendezvous hash,
// an ActivationRequest to the owner's placement actor), except for the wait: Get waits a
// fixed 5 s, which neither a context nor the cluster's config bounds, so a call with a short
// deadline waited that long whenever the placement actor was slow to answer (stopping the
// activations of a node shutting down; an owner that stopped answering). nil: no owner known
// yet, no answer in time, or none the lookup could give.
func (n *Node) lookup(deadline time.Time, kind, identity string) *actor.PID {
	r := n.owner.rdv.Load() // the topology disthash places by (both follow the event stream)
	if r == nil {
		return nil
	}
	ci := pcluster.NewClusterIdentity(identity, kind)
	owner := r.GetByClusterIdentity(ci)
	d := time.Until(deadline)
	if owner == "" || d <= 0 { // a future's timer is armed only for d ≥ 0 (ask)
		return nil
	}
	placement := actor.NewPID(owner, disthash.PartitionActivatorActorName)
	res, err := n.system.Root.RequestFuture(placement, &pcluster.ActivationRequest{ClusterIdentity: ci}, d).Result()
	if err != nil {
		return nil
	}
	if a, ok := res.(*pcluster.ActivationResponse); ok && !a.Failed {
		return a.Pid
	}
	return nil
}
