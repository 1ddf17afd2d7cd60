package actors

import (
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// endedGrains counts the activations that ended, per kind and identity, so a test that needs
// a grain passivated waits for it instead of sleeping past its idle time: a sleep that came
// short (a loaded machine) let the test pass on the old activation's memory, without the
// reactivation it is about.
type endedGrains struct {
	mu sync.Mutex
	n  map[string]int
}

// startGrainsWatched is startGrains, with the activations that end counted.
func startGrainsWatched(t *testing.T, store persistence.Store, passivation time.Duration) (*Client, *endedGrains) {
	t.Helper()
	ended := &endedGrains{n: map[string]int{}}
	kinds := Kinds(&Deps{Store: store, Passivation: passivation})
	for i := range kinds {
		kind, newGrain := kinds[i].Name, kinds[i].New
		kinds[i].New = func(identity string) cluster.Grain {
			return watchedGrain{Grain: newGrain(identity), key: kind + "/" + identity, ended: ended}
		}
	}
	return startKinds(t, kinds), ended
}

// awaitEnded waits until n activations of the kind's identity have ended.
func (e *endedGrains) awaitEnded(t *testing.T, kind, identity string, n int) {
	t.Helper()
	key := kind + "/" + identity
	for deadline := time.Now().Add(10 * time.Second); e.count(key) < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d activations of %s ended, want %d: it never passivated", e.count(key), key, n)
		}
	}
}

func (e *endedGrains) count(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[key]
}

// watchedGrain is a grain whose end (*actor.Stopped, its last message) is counted.
type watchedGrain struct {
	cluster.Grain
	key   string
	ended *endedGrains
}

func (w watchedGrain) Receive(c *cluster.Context, msg any) {
	w.Grain.Receive(c, msg)
	if _, stopped := msg.(*actor.Stopped); stopped {
		w.ended.mu.Lock()
		w.ended.n[w.key]++
		w.ended.mu.Unlock()
	}
}
