package ratelimit_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard/switchboard/transport/ratelimit"
)

// TestRedisIsSharedAcrossNodes: two limiters over one Redis, as two engine nodes, spend one
// budget per key.
func TestRedisIsSharedAcrossNodes(t *testing.T) {
	t.Parallel()
	client := newRedisClient(t)
	prefix := uniquePrefix(t, client)
	nodeA := ratelimit.NewRedis(client, prefix, nil, ratelimit.WithTimeout(5*time.Second))
	nodeB := ratelimit.NewRedis(newRedisClient(t), prefix, nil, ratelimit.WithTimeout(5*time.Second))
	rule := ratelimit.Rule{Name: "api", Limit: 5, Window: time.Minute}
	for i, node := range []ratelimit.Limiter{nodeA, nodeB, nodeA, nodeB, nodeA} {
		if d := allow(t, node, rule, "u1"); !d.Allowed || d.Remaining != 4-i {
			t.Fatalf("request %d: %+v", i+1, d)
		}
	}
	for _, node := range []ratelimit.Limiter{nodeA, nodeB} {
		if d := allow(t, node, rule, "u1"); d.Allowed {
			t.Fatalf("request past the shared limit allowed: %+v", d)
		}
	}
}

// TestRedisDownFallsBackToMemory points the limiter at a port nobody listens on: every
// decision still comes (from memory), without an error, and the outage is logged once.
func TestRedisDownFallsBackToMemory(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: closedPort(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = client.Close() })
	mem := ratelimit.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	logs := &logBuffer{}
	l := ratelimit.NewRedis(client, "sbtest:down:", mem, ratelimit.WithLogger(logs.logger()))

	rule := ratelimit.Rule{Name: "api", Limit: 5, Window: time.Minute}
	for i := 1; i <= 50; i++ {
		d := allow(t, l, rule, "k")
		if want := i <= rule.Limit; d.Allowed != want {
			t.Fatalf("request %d: %+v, want allowed=%v (memory's count)", i, d, want)
		}
	}
	if n := logs.count("redis unavailable"); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, logs)
	}
}

// TestRedisDeadlineBoundsASilentServer: a server that accepts and never answers costs one
// request the deadline, and the following ones nothing (they go straight to the fallback).
func TestRedisDeadlineBoundsASilentServer(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: silentServer(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = client.Close() })
	var commands atomic.Int64
	client.AddHook(commandCounter{&commands})
	mem := ratelimit.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	const timeout = 50 * time.Millisecond
	l := ratelimit.NewRedis(client, "sbtest:silent:", mem, ratelimit.WithTimeout(timeout),
		ratelimit.WithLogger(slog.New(slog.DiscardHandler)), ratelimit.WithProbeInterval(time.Hour))
	rule := ratelimit.Rule{Name: "api", Limit: 100, Window: time.Minute}

	start := time.Now()
	if d := allow(t, l, rule, "k"); !d.Allowed {
		t.Fatalf("first request: %+v", d)
	}
	if took := time.Since(start); took > timeout+500*time.Millisecond {
		t.Fatalf("first decision took %s with a %s deadline", took, timeout)
	}
	// The following ones do not try Redis at all. (They were timed against the deadline,
	// 50 ms for 20 decisions, which a loaded machine's pause could pass without any of them
	// asking Redis; counting what reaches the client says it whatever the machine's speed.)
	tried := commands.Load()
	if tried == 0 {
		t.Fatal("the first decision sent no command: the count below would prove nothing")
	}
	for range 20 {
		allow(t, l, rule, "k")
	}
	if n := commands.Load() - tried; n != 0 {
		t.Fatalf("20 decisions during the outage sent %d commands to Redis; they should go straight to the fallback", n)
	}
}

// commandCounter is a go-redis hook counting the commands the client was asked to send.
type commandCounter struct{ n *atomic.Int64 }

func (commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestRedisOutageEndsAndIsLoggedOnce runs the limiter through a proxy that first drops
// connections and then forwards to the real Redis.
func TestRedisOutageEndsAndIsLoggedOnce(t *testing.T) {
	t.Parallel()
	real := newRedisClient(t)
	prefix := uniquePrefix(t, real)
	proxy := newSwitchProxy(t, real.Options().Addr)
	opts := *real.Options()
	opts.Addr = proxy.addr
	opts.MaxRetries = -1
	client := redis.NewClient(&opts)
	t.Cleanup(func() { _ = client.Close() })
	mem := ratelimit.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	logs := &logBuffer{}
	l := ratelimit.NewRedis(client, prefix, mem, ratelimit.WithLogger(logs.logger()),
		ratelimit.WithProbeInterval(10*time.Millisecond))
	rule := ratelimit.Rule{Name: "api", Limit: 1000, Window: time.Minute}

	for range 20 {
		allow(t, l, rule, "k")
	}
	if n := real.Exists(t.Context(), prefix+"api:k").Val(); n != 0 {
		t.Fatal("the key reached Redis through a proxy that drops connections")
	}
	proxy.forward.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for real.Exists(t.Context(), prefix+"api:k").Val() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("decisions never went back to Redis:\n%s", logs)
		}
		allow(t, l, rule, "k")
		time.Sleep(2 * time.Millisecond)
	}
	for range 20 {
		allow(t, l, rule, "k")
	}
	if down, up := logs.count("redis unavailable"), logs.count("redis answers again"); down != 1 || up != 1 {
		t.Fatalf("logged %d outage and %d recovery lines, want 1 and 1:\n%s", down, up, logs)
	}
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// silentServer accepts connections and reads them without ever answering.
func silentServer(t *testing.T) string {
	return serveTCP(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
}

// switchProxy closes connections until forward is set, then relays them to target.
type switchProxy struct {
	addr    string
	forward atomic.Bool
}

func newSwitchProxy(t *testing.T, target string) *switchProxy {
	p := &switchProxy{}
	p.addr = serveTCP(t, func(c net.Conn) {
		if !p.forward.Load() {
			return
		}
		up, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer up.Close()
		// Closing either side ends both copies: c is closed at cleanup, up by Redis.
		go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
		_, _ = io.Copy(c, up)
	})
	return p
}

// serveTCP runs handle for each connection to a loopback listener; the connection is closed
// when handle returns or the test ends.
func serveTCP(t *testing.T, handle func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					_ = c.Close()
				}()
				handle(c)
			})
		}
	})
	return ln.Addr().String()
}

// logBuffer collects log lines from concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) count(substr string) int { return strings.Count(b.String(), substr) }

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }
