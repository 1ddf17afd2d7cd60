package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func newTestMemory(t *testing.T, opts ...MemoryOption) (*Memory, *int64) {
	m := NewMemory(opts...)
	t.Cleanup(func() { _ = m.Close() })
	var clock int64
	m.now = func() int64 { return clock } // only read under shard locks, set between calls
	return m, &clock
}

func TestMemorySweepDropsExpiredKeys(t *testing.T) {
	m, clock := newTestMemory(t)
	short := Rule{Name: "short", Limit: 5, Window: time.Second}
	long := Rule{Name: "long", Limit: 5, Window: time.Hour}
	for i := range 100 {
		_, _ = m.Allow(t.Context(), short, fmt.Sprint(i))
	}
	_, _ = m.Allow(t.Context(), long, "kept")
	*clock = int64(2 * time.Second)
	m.sweep()
	if n := m.Len(); n != 1 {
		t.Fatalf("after sweep Len = %d, want 1 (the long rule's key)", n)
	}
}

func TestMemoryStaysBounded(t *testing.T) {
	m, _ := newTestMemory(t, WithMaxKeys(128))
	rule := Rule{Name: "flood", Limit: 1, Window: time.Hour}
	for i := range 10_000 {
		if _, err := m.Allow(t.Context(), rule, fmt.Sprint("198.51.100.", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Len(); n > 128 {
		t.Fatalf("Len = %d after a flood of distinct keys, want ≤ 128", n)
	}
}

func TestMemoryEvictsExpiredBeforeLive(t *testing.T) {
	m, clock := newTestMemory(t, WithMaxKeys(shardCount)) // one entry per shard
	rule := Rule{Name: "r", Limit: 1, Window: time.Second}
	// Fill shards with keys that then expire, then a live key must not be displaced by the
	// expired ones: its shard's only slot is taken by it.
	for i := range 1000 {
		_, _ = m.Allow(t.Context(), rule, fmt.Sprint("old", i))
	}
	*clock = int64(3 * time.Second)
	if d, _ := m.Allow(t.Context(), rule, "live"); !d.Allowed {
		t.Fatal("a new key was denied")
	}
	if d, _ := m.Allow(t.Context(), rule, "live"); d.Allowed {
		t.Fatal("the live key lost its count")
	}
}

func TestMemoryCloseIsIdempotent(t *testing.T) {
	m := NewMemory(WithSweepInterval(time.Millisecond))
	_ = m.Close()
	_ = m.Close()
	if d, err := m.Allow(t.Context(), Rule{Name: "r", Limit: 1, Window: time.Second}, "k"); err != nil || !d.Allowed {
		t.Fatalf("after Close: %+v, %v", d, err)
	}
}
