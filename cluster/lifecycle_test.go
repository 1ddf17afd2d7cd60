package cluster

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// probe is a grain whose lifecycle a test watches: it counts, and reports every *actor.Stopping
// it gets to its probeLog.
type probe struct {
	identity string
	n        int
	log      *probeLog
}

// probeLog is what the probes of one node share with their test.
type probeLog struct {
	// stoppingDelay holds every probe in its Stopping handler (a grain slow to flush).
	stoppingDelay time.Duration

	mu       sync.Mutex
	stopping map[string]int // Stopping messages per identity
}

func (l *probeLog) stoppings() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.stopping))
	for k, v := range l.stopping {
		out[k] = v
	}
	return out
}

func (p *probe) Receive(ctx *Context, msg any) {
	switch m := msg.(type) {
	case *actor.Stopping:
		p.log.mu.Lock()
		p.log.stopping[p.identity]++
		p.log.mu.Unlock()
		time.Sleep(p.log.stoppingDelay)
	case *incr:
		p.n += m.By
		ctx.Reply().Send(&total{p.n})
	}
}

// startProbeNode starts a node whose one kind, "probe", is a probe grain. The caller stops
// the node.
func startProbeNode(t *testing.T, l *probeLog, alwaysEncode bool) *Node {
	t.Helper()
	l.stopping = map[string]int{}
	codec := NewCodec()
	codec.Register("test.incr", incr{})
	codec.Register("test.total", total{})
	n, err := Start(Options{
		ClusterName: "test", Addr: "127.0.0.1:0", Codec: codec, AlwaysEncode: alwaysEncode,
		Kinds: []Kind{{Name: "probe", New: func(identity string) Grain {
			return &probe{identity: identity, log: l}
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Regression: a node without a membership provider (the engine's single member) stops with
// cluster.Shutdown(false), which in the pinned protoactor stops no activation (only a graceful
// leave poisons them). No grain got Stopping, so nothing it held for write-behind was written
// and its timers kept firing against a closed store.
func TestStopStopsEveryActivationOnce(t *testing.T) {
	for _, tc := range []struct {
		name          string
		stoppingDelay time.Duration
		stopWithin    time.Duration
		wantStopped   bool          // every activation got exactly one Stopping by Stop's return
		maxStop       time.Duration // how long Stop may take
	}{
		{name: "every activation stops", stopWithin: 5 * time.Second, wantStopped: true, maxStop: 2 * time.Second},
		{name: "a grain slow to stop does not hold Stop past its deadline",
			stoppingDelay: 3 * time.Second, stopWithin: 200 * time.Millisecond, maxStop: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &probeLog{stoppingDelay: tc.stoppingDelay}
			n := startProbeNode(t, l, false)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ids := []string{"a", "b", "c"}
			for _, id := range ids {
				if _, err := n.Call(ctx, "probe", id, &incr{By: 1}); err != nil {
					t.Fatal(err)
				}
			}
			stopCtx, stopCancel := context.WithTimeout(context.Background(), tc.stopWithin)
			defer stopCancel()
			began := time.Now()
			n.Stop(stopCtx)
			if took := time.Since(began); took > tc.maxStop {
				t.Fatalf("Stop took %v, want at most %v", took, tc.maxStop)
			}
			if !tc.wantStopped {
				return
			}
			got := l.stoppings()
			for _, id := range ids {
				if got[id] != 1 {
					t.Fatalf("Stopping messages per activation after Stop: %v, want one for each of %v", got, ids)
				}
			}
		})
	}
}
