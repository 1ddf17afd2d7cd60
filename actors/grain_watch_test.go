package actors

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// grainWatch counts, per kind and identity, the activations that ended and the messages the
// grains handled, so a test waits for what it needs (a grain passivated, a request reached
// its grain) instead of sleeping for it: a sleep that came short (a loaded machine) let the
// test pass without what it is about (the reactivation, the request's arrival).
type grainWatch struct {
	mu sync.Mutex
	n  map[string]int // kind/identity → ended; kind/identity/type → handled
}

// watch makes the kinds' grains report to w.
func (w *grainWatch) watch(kinds []cluster.Kind) []cluster.Kind {
	w.n = map[string]int{}
	for i := range kinds {
		kind, newGrain := kinds[i].Name, kinds[i].New
		kinds[i].New = func(identity string) cluster.Grain {
			return watchedGrain{Grain: newGrain(identity), kind: kind, identity: identity, w: w}
		}
	}
	return kinds
}

// startGrainsWatched is startGrains, its grains watched.
func startGrainsWatched(t *testing.T, store persistence.Store, passivation time.Duration) (*Client, *grainWatch) {
	t.Helper()
	w := &grainWatch{}
	return startKinds(t, w.watch(Kinds(&Deps{Store: store, Passivation: passivation}))), w
}

// awaitEnded waits until n activations of the kind's identity have ended.
func (w *grainWatch) awaitEnded(t *testing.T, kind, identity string, n int) {
	t.Helper()
	w.await(t, kind+"/"+identity, n, "activations ended: it never passivated")
}

// awaitHandled waits until the kind's identity has handled n messages of msg's type.
func (w *grainWatch) awaitHandled(t *testing.T, kind, identity string, msg any, n int) {
	t.Helper()
	w.await(t, handledKey(kind, identity, msg), n, "handled")
}

// handled is how many messages of msg's type the kind's identity has handled so far.
func (w *grainWatch) handled(kind, identity string, msg any) int {
	return w.count(handledKey(kind, identity, msg))
}

func handledKey(kind, identity string, msg any) string {
	return fmt.Sprintf("%s/%s/%T", kind, identity, msg)
}

func (w *grainWatch) await(t *testing.T, key string, n int, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); w.count(key) < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d %s, want %d", key, w.count(key), what, n)
		}
	}
}

func (w *grainWatch) count(key string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[key]
}

func (w *grainWatch) add(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n[key]++
}

// watchedGrain is a grain whose handled messages and end (*actor.Stopped, its last message)
// are counted, once it has handled them.
type watchedGrain struct {
	cluster.Grain
	kind, identity string
	w              *grainWatch
}

func (g watchedGrain) Receive(c *cluster.Context, msg any) {
	g.Grain.Receive(c, msg)
	if _, stopped := msg.(*actor.Stopped); stopped {
		g.w.add(g.kind + "/" + g.identity)
	}
	g.w.add(handledKey(g.kind, g.identity, msg))
}
