package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

// implementations runs f once per limiter, each in its own subtest; the Redis one skips
// (or fails in CI) without a test server.
func implementations(t *testing.T, f func(t *testing.T, l ratelimit.Limiter)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		m := ratelimit.NewMemory()
		t.Cleanup(func() { _ = m.Close() })
		f(t, m)
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		client := newRedisClient(t)
		// The contract checks semantics, not the production 50 ms deadline: on a loaded
		// machine that deadline (with no fallback here) made a correct limiter fail.
		f(t, ratelimit.NewRedis(client, uniquePrefix(t, client), nil, ratelimit.WithTimeout(5*time.Second)))
	})
}

func newRedisClient(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatalf("parse %s: %v", testenv.RedisURLVar, err)
	}
	opts.ContextTimeoutEnabled = true
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", opts.Addr, err)
	}
	return client
}

// uniquePrefix isolates a test's keys from other tests and runs, and deletes them after.
func uniquePrefix(t *testing.T, client *redis.Client) string {
	prefix := testenv.UniqueName("sbtest:ratelimit:") + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return prefix
}

func allow(t *testing.T, l ratelimit.Limiter, rule ratelimit.Rule, key string) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(t.Context(), rule, key)
	if err != nil {
		t.Fatalf("Allow(%s, %q): %v", rule.Name, key, err)
	}
	if d.Limit != rule.Limit {
		t.Fatalf("Decision.Limit = %d, want %d", d.Limit, rule.Limit)
	}
	return d
}

func TestLimitReachedAtLimitPlusOne(t *testing.T) {
	implementations(t, func(t *testing.T, l ratelimit.Limiter) {
		for _, limit := range []int{1, 2, 5, 60} {
			t.Run(fmt.Sprint(limit), func(t *testing.T) {
				rule := ratelimit.Rule{Name: fmt.Sprint("api", limit), Limit: limit, Window: time.Minute}
				for i := 1; i <= limit; i++ {
					d := allow(t, l, rule, "203.0.113.7")
					if !d.Allowed || d.Remaining != limit-i || d.RetryAfter != 0 {
						t.Fatalf("request %d: %+v, want allowed with %d remaining", i, d, limit-i)
					}
				}
				for i := 0; i < 3; i++ {
					d := allow(t, l, rule, "203.0.113.7")
					if d.Allowed || d.Remaining != 0 {
						t.Fatalf("request %d: %+v, want denied", limit+1+i, d)
					}
					if d.RetryAfter <= 0 || d.RetryAfter > rule.Window {
						t.Fatalf("RetryAfter = %s, want in (0, %s]", d.RetryAfter, rule.Window)
					}
				}
			})
		}
	})
}

func TestKeysAndRulesAreIndependent(t *testing.T) {
	implementations(t, func(t *testing.T, l ratelimit.Limiter) {
		auth := ratelimit.Rule{Name: "auth", Limit: 2, Window: time.Minute}
		send := ratelimit.Rule{Name: "send", Limit: 2, Window: time.Minute}
		for _, key := range []string{"alice", "x:y"} {
			for range auth.Limit {
				allow(t, l, auth, key)
			}
			if d := allow(t, l, auth, key); d.Allowed {
				t.Fatalf("%s's third auth request allowed: %+v", key, d)
			}
		}
		tests := []struct {
			name string
			rule ratelimit.Rule
			key  string
		}{
			{"other key, same rule", auth, "bob"},
			{"same key, other rule", send, "alice"},
			{"key that shares a suffix", auth, "y"},
		}
		for _, tt := range tests {
			if d := allow(t, l, tt.rule, tt.key); !d.Allowed || d.Remaining != 1 {
				t.Errorf("%s: %+v, want allowed with 1 remaining", tt.name, d)
			}
		}
	})
}

func TestWindowExpiry(t *testing.T) {
	implementations(t, func(t *testing.T, l ratelimit.Limiter) {
		rule := ratelimit.Rule{Name: "short", Limit: 3, Window: 200 * time.Millisecond}
		for range rule.Limit {
			allow(t, l, rule, "k")
		}
		before := time.Now()
		denied := allow(t, l, rule, "k")
		if denied.Allowed || denied.RetryAfter <= 0 || denied.RetryAfter > rule.Window {
			t.Fatalf("after %d requests: %+v, want denied with RetryAfter in (0, %s]", rule.Limit, denied, rule.Window)
		}

		// Poll rather than sleep for RetryAfter: the point is when the limiter lets go.
		deadline := time.Now().Add(10 * rule.Window)
		for !allow(t, l, rule, "k").Allowed {
			if time.Now().After(deadline) {
				t.Fatalf("still denied %s after the window", time.Since(before))
			}
			time.Sleep(5 * time.Millisecond)
		}
		// The denial was decided no earlier than before, and nothing is allowed sooner than
		// RetryAfter after it; 2 ms covers the two clocks (ours and Redis's TIME).
		if waited := time.Since(before); waited < denied.RetryAfter-2*time.Millisecond {
			t.Fatalf("allowed again after %s, sooner than RetryAfter %s", waited, denied.RetryAfter)
		}
	})
}

func TestConcurrentCallersGetExactlyLimit(t *testing.T) {
	implementations(t, func(t *testing.T, l ratelimit.Limiter) {
		const callers = 100
		rule := ratelimit.Rule{Name: "burst", Limit: 37, Window: time.Hour}
		var allowed, denied atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range callers {
			wg.Go(func() {
				<-start
				d, err := l.Allow(context.Background(), rule, "same-caller")
				switch {
				case err != nil:
					t.Error(err)
				case d.Allowed:
					allowed.Add(1)
				default:
					denied.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if allowed.Load() != int64(rule.Limit) || denied.Load() != callers-int64(rule.Limit) {
			t.Fatalf("allowed %d, denied %d; want %d and %d", allowed.Load(), denied.Load(), rule.Limit, callers-rule.Limit)
		}
	})
}

func TestInvalidRules(t *testing.T) {
	implementations(t, func(t *testing.T, l ratelimit.Limiter) {
		for _, rule := range []ratelimit.Rule{
			{Name: "", Limit: 1, Window: time.Second},
			{Name: "auth:x", Limit: 1, Window: time.Second}, // would share keys with rule "auth"
			{Name: "zero", Limit: 0, Window: time.Second},
			{Name: "tiny", Limit: 1, Window: time.Microsecond},
		} {
			if _, err := l.Allow(t.Context(), rule, "k"); !errors.Is(err, ratelimit.ErrInvalidRule) {
				t.Errorf("Allow(%+v) error = %v, want ErrInvalidRule", rule, err)
			}
		}
	})
}

// Peek answers what Allow would, and counts nothing: a budget peeked at any number of times
// is whole, a spent one reads denied with the same wait, and a key never seen is not kept.
func TestPeekCountsNothing(t *testing.T) {
	implementations(t, func(t *testing.T, l ratelimit.Limiter) {
		rule := ratelimit.Rule{Name: "peek", Limit: 3, Window: time.Minute}
		peek := func() ratelimit.Decision {
			t.Helper()
			d, err := l.Peek(t.Context(), rule, "acct")
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		for range 10 {
			if d := peek(); !d.Allowed || d.Remaining != 3 {
				t.Fatalf("peek at an unused budget: %+v", d)
			}
		}
		allow(t, l, rule, "acct")
		if d := peek(); !d.Allowed || d.Remaining != 2 {
			t.Fatalf("peek after one request: %+v", d)
		}
		allow(t, l, rule, "acct")
		allow(t, l, rule, "acct")
		d := peek()
		if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > rule.Window {
			t.Fatalf("peek at a spent budget: %+v", d)
		}
		if a := allow(t, l, rule, "acct"); a.Allowed {
			t.Fatalf("Allow after peeks: %+v", a)
		}
	})
	m := ratelimit.NewMemory()
	defer m.Close()
	for i := range 100 {
		if _, err := m.Peek(t.Context(), ratelimit.Rule{Name: "peek", Limit: 1, Window: time.Minute}, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if m.Len() != 0 {
		t.Fatalf("peeks kept %d entries", m.Len())
	}
}
