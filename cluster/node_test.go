package cluster

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

type incr struct{ By int }
type total struct{ Value int }
type later struct{}
type unregistered struct{}
type vanish struct{}
type silent struct{} // registered, never answered
type idleSoon struct{}

// idleFor is how long a counter waits idle before it passivates, until told idleSoon. The
// calls of one test must reach it within that time: at 50 ms a loaded machine's pause
// between two calls (or tells) passivated it, and the next one counted from zero again.
const idleFor = time.Minute

// counter is a grain that counts, answers "later" from a goroutine, and passivates 50 ms
// after it was told idleSoon (idleFor before).
type counter struct {
	n        int
	started  *int
	vanished *bool // shared: only the first activation to get vanish stops without answering
}

func (c *counter) Receive(ctx *Context, msg any) {
	switch m := msg.(type) {
	case *actor.Started:
		*c.started++
		ctx.SetReceiveTimeout(idleFor)
	case *idleSoon:
		ctx.SetReceiveTimeout(50 * time.Millisecond)
		ctx.Reply().Send(&total{c.n})
	case *actor.ReceiveTimeout:
		ctx.Stop()
	case *incr:
		c.n += m.By
		ctx.Reply().Send(&total{c.n})
	case *vanish:
		if !*c.vanished {
			*c.vanished = true
			ctx.Stop()
			return
		}
		ctx.Reply().Send(&total{*c.started})
	case *later:
		r := ctx.Reply()
		go func() { time.Sleep(5 * time.Millisecond); r.Send(&total{-1}) }()
	}
}

func startTestNode(t *testing.T) (*Node, *int) { return startTestNodeWith(t, false) }

func startTestNodeWith(t *testing.T, alwaysEncode bool) (*Node, *int) {
	t.Helper()
	codec := NewCodec()
	codec.Register("test.incr", incr{})
	codec.Register("test.total", total{})
	codec.Register("test.later", later{})
	codec.Register("test.vanish", vanish{})
	codec.Register("test.silent", silent{})
	codec.Register("test.idleSoon", idleSoon{})
	var mu sync.Mutex
	started, vanished := 0, false
	n, err := Start(Options{
		ClusterName: "test", Addr: "127.0.0.1:0", Codec: codec, AlwaysEncode: alwaysEncode,
		Kinds: []Kind{{Name: "counter", New: func(string) Grain {
			mu.Lock()
			defer mu.Unlock()
			return &counter{started: &started, vanished: &vanished}
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	return n, &started
}

func TestCallActivatesRepliesAndPassivates(t *testing.T) {
	for _, encode := range []bool{false, true} {
		t.Run(map[bool]string{false: "local values", true: "envelopes"}[encode], func(t *testing.T) {
			testCallActivatesRepliesAndPassivates(t, encode)
		})
	}
}

func testCallActivatesRepliesAndPassivates(t *testing.T, alwaysEncode bool) {
	n, started := startTestNodeWith(t, alwaysEncode)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for i := 1; i <= 3; i++ {
		v, err := n.Call(ctx, "counter", "a", &incr{By: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := v.(*total).Value; got != i {
			t.Fatalf("call %d: total %d", i, got)
		}
	}
	if v, err := n.Call(ctx, "counter", "b", &incr{By: 5}); err != nil || v.(*total).Value != 5 {
		t.Fatalf("independent identity: %v %v", v, err)
	}
	if v, err := n.Call(ctx, "counter", "a", &later{}); err != nil || v.(*total).Value != -1 {
		t.Fatalf("deferred reply: %v %v", v, err)
	}

	// After passivation the next call activates a fresh grain (state here is in memory only,
	// so it restarts from zero) instead of hitting a dead PID.
	if v, err := n.Call(ctx, "counter", "a", &idleSoon{}); err != nil || v.(*total).Value != 3 {
		t.Fatalf("idleSoon: %v %v (the calls above were counted by one activation)", v, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for *started < 3 && time.Now().Before(deadline) {
		time.Sleep(150 * time.Millisecond) // longer than the receive timeout
		if _, err := n.Call(ctx, "counter", "a", &incr{By: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if *started < 3 {
		t.Fatalf("no re-activation after passivation (started %d)", *started)
	}
}

func TestCallRefusesUnregisteredTypes(t *testing.T) {
	n, _ := startTestNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := n.Call(ctx, "counter", "a", &unregistered{}); err == nil {
		t.Fatal("unregistered request sent")
	}
}

func TestCallHonoursDeadline(t *testing.T) {
	n, _ := startTestNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := n.Call(ctx, "no-such-kind", "x", &incr{})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline error, got %v", err)
	}
}

// Regression: on the envelope path a deadline already passed (an expired context, or one
// locate used up) gave protoactor's future a negative timeout, which it never arms: a call
// the grain did not answer (it stopped, or the request was lost) waited forever.
func TestCallPastItsDeadlineReturnsPromptly(t *testing.T) {
	n, _ := startTestNodeWith(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := n.Call(ctx, "counter", "late", &incr{By: 1}); err != nil { // activates it
		t.Fatal(err)
	}
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"call with an expired context", func() error {
			_, err := n.Call(expired, "counter", "late", &silent{})
			return err
		}, context.DeadlineExceeded},
		{"ask after locate used up the time", func() error {
			_, err := n.ask(expired, n.locate(ctx, "counter", "late"), &silent{})
			return err
		}, actor.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- tc.call() }()
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("still waiting 3 s after the deadline")
			}
		})
	}
}

// A local call whose grain stops without answering is retried on a fresh activation long
// before its deadline: the caller notices the activation is gone (a future would have heard
// from the dead-letter process; a reply channel does not).
func TestLocalCallRetriesAnActivationThatStoppedWithoutAnswering(t *testing.T) {
	n, started := startTestNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := n.Call(ctx, "counter", "a", &vanish{})
	if err != nil {
		t.Fatalf("call to a grain that stopped without answering: %v", err)
	}
	if got := v.(*total).Value; got != 2 || *started != 2 {
		t.Fatalf("answered by activation %d of %d; want the second", got, *started)
	}
}

// Tell delivers without an answer, in order with the caller's later calls, on local values
// and on envelopes alike; unregistered types are refused before anything is sent.
func TestTellIsOneWayAndInOrder(t *testing.T) {
	for _, encode := range []bool{false, true} {
		t.Run(map[bool]string{false: "local values", true: "envelopes"}[encode], func(t *testing.T) {
			n, _ := startTestNodeWith(t, encode)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for range 3 {
				if err := n.Tell(context.Background(), "counter", "told", &incr{By: 2}); err != nil {
					t.Fatal(err)
				}
			}
			v, err := n.Call(ctx, "counter", "told", &incr{By: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got := v.(*total).Value; got != 7 {
				t.Fatalf("the call after three tells saw %d, want 7", got)
			}
			if err := n.Tell(context.Background(), "counter", "told", &unregistered{}); err == nil {
				t.Fatal("unregistered message told")
			}
		})
	}
}
