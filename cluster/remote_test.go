package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"

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
