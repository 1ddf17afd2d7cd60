package cluster

import (
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
)

// ownership answers "does this member own that identity under the current topology?" with
// the same rendezvous hash disthash places activations by. A grain asks before acting, so
// during a topology change a stale activation refuses work instead of racing the new owner.
type ownership struct {
	system *actor.ActorSystem
	rdv    atomic.Pointer[pcluster.Rendezvous]
	ended  endedPIDs // ended.go
}

func newOwnership(system *actor.ActorSystem) *ownership {
	return &ownership{system: system}
}

// watch follows the cluster's events: topologies (for owns) and activations that ended
// anywhere (dropped from this member's PID cache).
func (o *ownership) watch(c *pcluster.Cluster) {
	c.ActorSystem.EventStream.Subscribe(func(evt any) {
		switch t := evt.(type) {
		case *pcluster.ClusterTopology:
			r := pcluster.NewRendezvous()
			r.UpdateMembers(t.Members)
			o.rdv.Store(r)
			// Cached PIDs of members that left are already dropped by protoactor; PIDs
			// that now belong elsewhere are dropped by Call on a "moved" answer.
		case *pcluster.ActivationTerminated:
			// An activation ended on some member, whose placement actor tells every member.
			// protoactor evicts the PID only from the cache of the member it ran on (in its
			// Stopped handler) and handles this event nowhere: every other member kept the
			// dead PID, and each of its Tells went to dead letters, reported sent, until a
			// Call happened to evict it (dead letter, retry).
			// Remembered first: a lookup that answered this PID and caches it meanwhile
			// finds it ended (locate), or is evicted here.
			if pid := t.GetPid(); pid != nil {
				o.ended.add(pid, time.Now())
			}
			if ci := t.GetClusterIdentity(); ci != nil {
				c.PidCache.RemoveByValue(ci.Identity, ci.Kind, t.GetPid())
			}
		}
	})
}

// owns reports whether this member owns kind/identity. Before the first topology it says
// yes: nothing else can own anything yet.
func (o *ownership) owns(kind, identity string) bool {
	return o.ownsUnder(o.rdv.Load(), kind, identity)
}

// ownsUnder is owns under topology r (nil: none seen yet).
func (o *ownership) ownsUnder(r *pcluster.Rendezvous, kind, identity string) bool {
	if r == nil {
		return true
	}
	owner := r.GetByClusterIdentity(pcluster.NewClusterIdentity(identity, kind))
	return owner == "" || owner == o.system.Address()
}

// ownsCached is owns for an activation that remembers its last answer: the answer only
// changes with the topology, and recomputing it formats every member's address (protoactor's
// Rendezvous), several allocations on every message a grain receives.
func (o *ownership) ownsCached(c *ownsCache, kind, identity string) bool {
	r := o.rdv.Load()
	if r == nil {
		return true
	}
	if c.under != r {
		c.under, c.owned = r, o.ownsUnder(r, kind, identity)
	}
	return c.owned
}

// ownsCache is an activation's last ownership answer and the topology it was given under.
type ownsCache struct {
	under *pcluster.Rendezvous
	owned bool
}
