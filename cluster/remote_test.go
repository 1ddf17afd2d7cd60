package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/test"

	"github.com/switchboard/switchboard/internal/ctxsleep"
)

// startProbePair starts two probe members of one cluster (protoactor's in-memory membership,
// real remoting over 127.0.0.1) and returns them once each sees both.
func startProbePair(t *testing.T, l *probeLog) (a, b *Node) {
	t.Helper()
	agent := test.NewInMemAgent()
	a = startProbeMember(t, l, Options{Provider: test.NewTestProvider(agent)})
	b = startProbeMember(t, l, Options{Provider: test.NewTestProvider(agent)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !bothSeeBoth(a, b) {
		if err := ctxsleep.Sleep(ctx, 10*time.Millisecond); err != nil {
			t.Fatalf("the members never saw each other: %v", err)
		}
	}
	return a, b
}

// bothSeeBoth reports whether a and b each know a topology of both.
func bothSeeBoth(a, b *Node) bool {
	for _, n := range []*Node{a, b} {
		if r := n.owner.rdv.Load(); r == nil || n.cluster.MemberList.Members().Len() != 2 {
			return false
		}
	}
	return true
}

// ownedBy returns a probe identity with prefix that member owns, as both members see it.
func ownedBy(t *testing.T, owner, other *Node, prefix string) string {
	t.Helper()
	for i := range 1000 {
		id := fmt.Sprint(prefix, i)
		if owner.Owns("probe", id) && !other.Owns("probe", id) {
			return id
		}
	}
	t.Fatalf("no identity %s… owned by %s", prefix, owner.Address())
	return ""
}

// Regression: protoactor evicts a stopped activation's PID only from its own member's cache;
// the ActivationTerminated its placement actor broadcasts to every member was handled by
// nothing. Another member kept the dead PID cached: a Call recovered (a dead letter, one
// wasted round trip), but every Tell from that member went to dead letters, reported sent,
// until some Call happened to evict it. Tells do not activate anything either, so a tenant
// whose conversations live elsewhere stopped hearing of them once it had passivated.
func TestTellFromAnotherMemberReachesTheNextActivation(t *testing.T) {
	a, b := startProbePair(t, &probeLog{})
	id := ownedBy(t, b, a, "passivating-")
	activate(t, a, id) // a caches the activation's PID
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dead := a.locate(ctx, "probe", id)
	if err := a.Tell(context.Background(), "probe", id, &napThenStop{}); err != nil {
		t.Fatal(err)
	}
	for b.alive(dead) {
		if err := ctxsleep.Sleep(ctx, time.Millisecond); err != nil {
			t.Fatalf("the activation never stopped: %v", err)
		}
	}
	// Counted by b (the owner, whose cache protoactor keeps right), so that no call of a's
	// evicts the dead PID on the way.
	for {
		if err := a.Tell(context.Background(), "probe", id, &incr{By: 5}); err != nil {
			t.Fatal(err)
		}
		v, err := b.Call(ctx, "probe", id, &incr{By: 0})
		if err != nil {
			t.Fatalf("a's tells never reached the next activation: %v", err)
		}
		if v.(*total).Value > 0 {
			return
		}
		if err := ctxsleep.Sleep(ctx, 10*time.Millisecond); err != nil {
			t.Fatalf("a's tells never reached the next activation (a caches %v): %v", a.locate(ctx, "probe", id), err)
		}
	}
}

// Regression: a member of a cluster (a membership provider: a graceful leave) stopped with
// protoactor's Shutdown(true), which ignores any deadline: it waits for every activation to
// stop, however long one takes to flush, and then sleeps 2 s. Stop's ctx bounded nothing, so
// a drain could outlast the supervisor's grace period and be killed mid-write.
func TestLeavingMemberStopsByItsDeadline(t *testing.T) {
	a, b := startProbePair(t, &probeLog{stoppingDelay: 3 * time.Second})
	activate(t, a, ownedBy(t, b, a, "slow-to-stop-"))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	b.Stop(ctx)
	if took := time.Since(began); took > time.Second {
		t.Fatalf("Stop with a 300 ms deadline took %v", took)
	}
}

// Regression: protoactor's graceful Shutdown marks the actor system stopped before it stops
// a single activation, so every Call a stopping grain made failed ErrStopped at once: the
// calls a leaving member's grains make to hand their work over (a tenant waking its next
// owner) could not be made during the one leave meant to let them.
func TestLeavingMembersGrainsCanCallOut(t *testing.T) {
	l := &probeLog{stopCalls: make(chan error, 1)}
	a, b := startProbePair(t, l)
	leaving, staying := ownedBy(t, b, a, "leaving-"), ownedBy(t, a, b, "staying-")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.Call(ctx, "probe", leaving, &callWhenStopping{Target: staying}); err != nil {
		t.Fatal(err)
	}
	b.Stop(ctx)
	select {
	case err := <-l.stopCalls:
		if err != nil {
			t.Fatalf("the stopping grain's call failed: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the grain made no call while stopping: it never got Stopping")
	}
}

// Regression: another member's placement actor answers a stopping activation's PID until it
// has processed the Terminated that follows, and then tells every member the activation
// ended. On the asking member the answer wakes the caller's goroutine while the same
// connection's reader goes on to the ActivationTerminated: handled before the caller cached
// the answer, it evicted nothing, and the dead PID stayed cached, every Tell from this member
// lost until some Call evicted it. A PID this member heard had ended is not cached.
func TestLocateCachesNoPIDWhoseEndWasHeardFirst(t *testing.T) {
	l := &probeLog{stoppedDelay: 300 * time.Millisecond, inStopped: make(chan *actor.PID, 1)}
	a, b := startProbePair(t, l)
	id := ownedBy(t, b, a, "ending-")
	activate(t, b, id) // a has not cached it
	if err := b.Tell(context.Background(), "probe", id, &stopSlowly{}); err != nil {
		t.Fatal(err)
	}
	dead := <-l.inStopped // b's placement actor answers it for another 300 ms
	// The end as b broadcasts it, handled on a before a's lookup answer is.
	a.system.EventStream.Publish(&pcluster.ActivationTerminated{Pid: dead, ClusterIdentity: pcluster.NewClusterIdentity(id, "probe")})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if pid := a.locate(ctx, "probe", id); dead.Equal(pid) {
		t.Fatal("locate returned an activation this member heard had ended")
	}
	if pid, ok := a.cluster.PidCache.Get(id, "probe"); ok && dead.Equal(pid) {
		t.Fatalf("the ended activation %v is cached", pid)
	}
}

// Regression: Tell located a grain that was not cached with a fixed 5 s lookup, whatever its
// caller's deadline. A conversation's flush tells its tenant of the new summary from the
// conversation's Receive: with the tenant's owner leaving (its placement actor busy stopping
// an activation slow to flush), the conversation's mailbox stood still for 5 s. The caller's
// ctx now bounds the lookup.
func TestTellWaitsNoLongerThanItsCallersDeadline(t *testing.T) {
	l := &probeLog{stoppingDelay: 2 * time.Second}
	a, b := startProbePair(t, l)
	activate(t, a, ownedBy(t, b, a, "slow-to-stop-"))
	go b.Stop(context.Background())
	// b stops its activations before it leaves: its placement actor waits for this one's
	// Stopping while a still places b's identities on b.
	for deadline := time.Now().Add(10 * time.Second); len(l.stoppings()) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("b never began stopping its activation")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := a.Tell(ctx, "probe", ownedBy(t, b, a, "not-yet-active-"), &incr{By: 1})
	if took := time.Since(began); took > time.Second {
		t.Fatalf("a tell with a 200 ms deadline returned after %v (%v)", took, err)
	}
	if err == nil {
		t.Fatal("a tell was reported sent to a grain no placement answered for")
	}
}
