package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/switchboard/switchboard/internal/ctxsleep"
)

// probe is a grain whose lifecycle a test watches: it counts, and reports every *actor.Stopping
// it gets to its probeLog.
type probe struct {
	identity   string
	n          int
	log        *probeLog
	slowly     bool
	forgotten  bool   // forgetAndStop: the state a note would need is gone
	callOnStop string // callWhenStopping: the probe its Stopping handler calls
}

// callWhenStopping makes a probe call probe Target from its Stopping handler (as a grain
// that hands work over to another does) and report the call's error on probeLog.stopCalls.
type callWhenStopping struct{ Target string }

// stopSlowly makes a probe stop itself and linger in its Stopped handler.
type stopSlowly struct{}

// napThenStop makes a probe sleep (callers queue up behind it) and then stop itself.
type napThenStop struct{ Nap time.Duration }

// nap makes a probe sleep: callers queue up behind it.
type nap struct{ Nap time.Duration }

// forgetAndStop makes a probe drop its state (as a conversation whose flush failed does), send
// itself a note that would need that state, and stop.
type forgetAndStop struct{}

// note is a probe's local message to itself.
type note struct{}

// noteFromAfar makes a probe start a goroutine that sends it N notes through Context.Tell.
type noteFromAfar struct{ N int }

// probeLog is what the probes of one node share with their test.
type probeLog struct {
	// stoppingDelay holds every probe in its Stopping handler (a grain slow to flush).
	stoppingDelay time.Duration
	// stoppedDelay holds a probe told stopSlowly in its Stopped handler, after it has been
	// reported on inStopped: the activation is deregistered and its cached PID dropped, but
	// the placement actor has not yet heard of its end (protoactor tells it after Stopped).
	stoppedDelay time.Duration
	inStopped    chan *actor.PID
	stopCalls    chan error // callWhenStopping's outcomes
	// lateNotes counts notes a probe handled after forgetAndStop; notes, all it handled.
	lateNotes, notes atomic.Int32

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
		if p.callOnStop != "" {
			c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err := ctx.Node().Call(c, "probe", p.callOnStop, &incr{By: 1})
			cancel()
			p.log.stopCalls <- err
		}
	case *callWhenStopping:
		p.callOnStop = m.Target
		ctx.Reply().Send(&total{p.n})
	case *actor.Stopped:
		if p.slowly {
			p.log.inStopped <- ctx.actor.Self()
			time.Sleep(p.log.stoppedDelay)
		}
	case *stopSlowly:
		p.slowly = true
		ctx.Stop()
	case *napThenStop:
		time.Sleep(m.Nap)
		ctx.Stop()
	case *nap:
		time.Sleep(m.Nap)
	case *forgetAndStop:
		p.forgotten = true
		ctx.Teller()(&note{})
		ctx.Stop()
	case *note:
		if p.forgotten {
			p.log.lateNotes.Add(1)
		}
		p.log.notes.Add(1)
	case *noteFromAfar:
		go func() {
			for range m.N {
				ctx.Tell(&note{})
			}
		}()
	case *incr:
		p.n += m.By
		ctx.Reply().Send(&total{p.n})
	}
}

// startProbeNode starts a node whose one kind, "probe", is a probe grain, stopped when the
// test ends (a test may stop it earlier).
func startProbeNode(t *testing.T, l *probeLog, alwaysEncode bool) *Node {
	t.Helper()
	return startProbeMember(t, l, Options{AlwaysEncode: alwaysEncode})
}

// startProbeMember is startProbeNode with opts (a membership provider, say); their codec,
// kinds, name and address are the probe node's.
func startProbeMember(t *testing.T, l *probeLog, opts Options) *Node {
	t.Helper()
	if l.stopping == nil {
		l.stopping = map[string]int{}
	}
	codec := NewCodec()
	codec.Register("test.incr", incr{})
	codec.Register("test.total", total{})
	codec.Register("test.stopSlowly", stopSlowly{})
	codec.Register("test.napThenStop", napThenStop{})
	codec.Register("test.nap", nap{})
	codec.Register("test.forgetAndStop", forgetAndStop{})
	codec.Register("test.noteFromAfar", noteFromAfar{})
	codec.Register("test.callWhenStopping", callWhenStopping{})
	opts.ClusterName, opts.Addr, opts.Codec = "test", "127.0.0.1:0", codec
	opts.Kinds = []Kind{{Name: "probe", New: func(identity string) Grain {
		return &probe{identity: identity, log: l}
	}}}
	n, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	return n
}

// activate brings up a probe activation for each identity.
func activate(t *testing.T, n *Node, identities ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, id := range identities {
		if _, err := n.Call(ctx, "probe", id, &incr{By: 1}); err != nil {
			t.Fatalf("activate %s: %v", id, err)
		}
	}
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
			ids := []string{"a", "b", "c"}
			activate(t, n, ids...)
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

// Regression: protoactor drops a stopping activation's PID from the cache in its Stopped
// handler, but the placement actor answers that PID until it has processed the Terminated
// that follows. A lookup in between cached the dead PID, and nothing evicted it: Call recovers
// (its liveness check), but every later Tell went to dead letters and reported success.
func TestLocateWhileAnActivationStopsCachesNoDeadPID(t *testing.T) {
	for _, encode := range []bool{false, true} {
		t.Run(map[bool]string{false: "local values", true: "envelopes"}[encode], func(t *testing.T) {
			l := &probeLog{stoppedDelay: 50 * time.Millisecond, inStopped: make(chan *actor.PID, 1)}
			n := startProbeNode(t, l, encode)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for i := range 5 {
				id := fmt.Sprint("racer-", i)
				activate(t, n, id)
				if err := n.Tell(context.Background(), "probe", id, &stopSlowly{}); err != nil {
					t.Fatal(err)
				}
				dead := <-l.inStopped
				// In the window: the placement actor still answers the dead PID. The message
				// is lost (it was told to an activation that is stopping) but must not leave
				// that PID cached.
				_ = n.Tell(context.Background(), "probe", id, &incr{By: 100})
				if pid, ok := n.cluster.PidCache.Get(id, "probe"); ok && !n.alive(pid) {
					t.Fatalf("%s: dead PID %v cached after a Tell", id, pid)
				}
				// Once the placement actor has heard of the end, a Tell reaches the next
				// activation.
				for pid := n.cluster.Get(id, "probe"); pid.Equal(dead); pid = n.cluster.Get(id, "probe") {
					if err := ctxsleep.Sleep(ctx, time.Millisecond); err != nil {
						t.Fatalf("%s: the placement actor still answers the stopped activation: %v", id, err)
					}
				}
				if err := n.Tell(context.Background(), "probe", id, &incr{By: 5}); err != nil {
					t.Fatal(err)
				}
				v, err := n.Call(ctx, "probe", id, &incr{By: 0})
				if err != nil {
					t.Fatal(err)
				}
				if got := v.(*total).Value; got != 5 {
					t.Fatalf("%s: the new activation counted %d, want the 5 told after the stop", id, got)
				}
			}
		})
	}
}

// Regression: Context.Stop used protoactor's Stop, a system message that overtakes the
// mailbox, after which protoactor discards the queued messages without a word (no dead
// letter). A local caller noticed through its liveness check; a caller from another node
// (an envelope) waited out its whole deadline. Queued requests are now answered "stopping",
// which Call retries on the next activation.
func TestRequestQueuedBehindAStopIsAnswered(t *testing.T) {
	for _, encode := range []bool{false, true} {
		t.Run(map[bool]string{false: "local values", true: "envelopes"}[encode], func(t *testing.T) {
			n := startProbeNode(t, &probeLog{}, encode)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			activate(t, n, "napper")
			if err := n.Tell(context.Background(), "probe", "napper", &napThenStop{Nap: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			v, err := n.Call(ctx, "probe", "napper", &incr{By: 1}) // queued behind the nap
			if took := time.Since(began); took > time.Second {
				t.Fatalf("the request queued behind a stop was answered after %v (%v)", took, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := v.(*total).Value; got != 1 {
				t.Fatalf("answered %d, want 1 from the next activation", got)
			}
		})
	}
}

// A stopping grain handles no more of its own messages: one whose state is gone (a
// conversation whose flush failed) would fail on them.
func TestStoppingGrainHandlesNoMoreLocalMessages(t *testing.T) {
	l := &probeLog{}
	n := startProbeNode(t, l, false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	activate(t, n, "forgetful")
	pid := n.locate(ctx, "probe", "forgetful")
	if err := n.Tell(context.Background(), "probe", "forgetful", &forgetAndStop{}); err != nil {
		t.Fatal(err)
	}
	for n.alive(pid) {
		if err := ctxsleep.Sleep(ctx, time.Millisecond); err != nil {
			t.Fatalf("the activation never stopped: %v", err)
		}
	}
	if got := l.lateNotes.Load(); got != 0 {
		t.Fatalf("a stopping grain handled %d of its own messages after its state was gone", got)
	}
}

// Context.Tell is for goroutines a grain starts, while the grain goes on receiving messages.
// It read the context's current protoactor context, which every message rewrites: a data race
// (`go test -race -run TestContextTellFromAGoroutine ./cluster/`; the package's suite runs
// without -race because of protoactor's own races, ARCHITECTURE.md).
func TestContextTellFromAGoroutine(t *testing.T) {
	l := &probeLog{}
	n := startProbeNode(t, l, false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const notes = 200
	activate(t, n, "afar")
	if err := n.Tell(context.Background(), "probe", "afar", &noteFromAfar{N: notes}); err != nil {
		t.Fatal(err)
	}
	for l.notes.Load() < notes {
		if _, err := n.Call(ctx, "probe", "afar", &incr{By: 1}); err != nil {
			t.Fatalf("%d of %d notes arrived: %v", l.notes.Load(), notes, err)
		}
	}
}

// Regression: a request that waited in the mailbox until its caller's deadline had passed was
// applied when the grain got to it, although its caller had returned an error: a send the
// API refused at its deadline went out after all. It is now answered FailureExpired, unapplied.
// A request from another node carried no deadline and was still applied (the API's 503, the
// client's retry: a duplicate); its caller's remaining time now travels with it.
func TestRequestQueuedPastItsDeadlineIsNotApplied(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (caller *Node, id string)
	}{
		{"local values", func(t *testing.T) (*Node, string) { return startProbeNode(t, &probeLog{}, false), "sleeper" }},
		{"envelopes", func(t *testing.T) (*Node, string) { return startProbeNode(t, &probeLog{}, true), "sleeper" }},
		{"from another node", func(t *testing.T) (*Node, string) {
			a, b := startProbePair(t, &probeLog{})
			return a, ownedBy(t, b, a, "sleeper-")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, id := tc.start(t)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			activate(t, n, id) // counts 1
			if err := n.Tell(context.Background(), "probe", id, &nap{Nap: 300 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancelShort()
			if _, err := n.Call(short, "probe", id, &incr{By: 100}); err == nil {
				t.Fatal("a call queued behind a nap longer than its deadline succeeded")
			}
			v, err := n.Call(ctx, "probe", id, &incr{By: 0})
			if err != nil {
				t.Fatal(err)
			}
			if got := v.(*total).Value; got != 1 {
				t.Fatalf("the probe counted %d, want 1: the request its caller gave up on was applied", got)
			}
		})
	}
}

// Regression: locating a grain that is not cached asked protoactor's identity lookup, which
// waits up to its own fixed 5 s for the owner's placement actor whatever the caller's
// deadline; a call with a short deadline waited that long when the placement actor was busy
// (here: stopping the activations of a node that is shutting down, one slow to flush). The
// lookup now waits no longer than the call's deadline.
func TestLocateWaitsNoLongerThanTheCallsDeadline(t *testing.T) {
	l := &probeLog{stoppingDelay: 2 * time.Second}
	n := startProbeNode(t, l, false)
	activate(t, n, "slow-to-stop")
	go n.Stop(context.Background())
	// Stop poisons the placement actor, which waits for the activation's Stopping.
	for l.stoppings()["slow-to-stop"] == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := n.Call(ctx, "probe", "not-yet-active", &incr{By: 1})
	if took := time.Since(began); took > time.Second {
		t.Fatalf("a call with a 200 ms deadline returned after %v (%v)", took, err)
	}
	if err == nil {
		t.Fatal("a grain was activated on a node whose placement actor is stopping")
	}
}
