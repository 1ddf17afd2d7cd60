package cluster

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
)

// ownership answers "does this member own that identity under the current topology?" with
// the same rendezvous hash disthash places activations by. A grain asks before acting, so
// during a topology change a stale activation refuses work instead of racing the new owner.
type ownership struct {
	system *actor.ActorSystem
	rdv    atomic.Pointer[pcluster.Rendezvous]
}

func newOwnership(system *actor.ActorSystem) *ownership {
	return &ownership{system: system}
}

func (o *ownership) watch(c *pcluster.Cluster) {
	c.ActorSystem.EventStream.Subscribe(func(evt any) {
		if t, ok := evt.(*pcluster.ClusterTopology); ok {
			r := pcluster.NewRendezvous()
			r.UpdateMembers(t.Members)
			o.rdv.Store(r)
			// Cached PIDs of members that left are already dropped by protoactor; PIDs
			// that now belong elsewhere are dropped by Call on a "moved" answer.
		}
	})
}

// owns reports whether this member owns kind/identity. Before the first topology it says
// yes: nothing else can own anything yet.
func (o *ownership) owns(kind, identity string) bool {
	r := o.rdv.Load()
	if r == nil {
		return true
	}
	owner := r.GetByClusterIdentity(pcluster.NewClusterIdentity(identity, kind))
	return owner == "" || owner == o.system.Address()
}
