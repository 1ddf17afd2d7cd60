package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// shardCount spreads keys over independently locked maps so concurrent requests of
// different callers rarely wait on one another.
const shardCount = 64

// DefaultMaxKeys bounds a Memory limiter's table. An entry costs about 100 bytes plus the
// rule name and key, so with IP addresses or ids as keys the default bound is roughly
// 30 MB. Deployments with more distinct callers per window than this should use Redis.
const DefaultMaxKeys = 1 << 18

// DefaultSweepInterval is how often expired entries are dropped.
const DefaultSweepInterval = 30 * time.Second

// Memory is the in-process limiter: exact for one node, per node in a cluster.
//
// Memory is bounded: at most MaxKeys entries (rounded up to a multiple of 64). A key seen
// when its shard is full takes the place of an expired entry if a short scan finds one,
// else of an arbitrary entry, whose count is forgotten. Under a flood of distinct keys the
// limiter therefore errs toward allowing rather than growing without bound.
type Memory struct {
	shards   [shardCount]shard
	seed     maphash.Seed
	perShard int
	epoch    time.Time
	now      func() int64 // monotonic nanoseconds since epoch; tests replace it
	stop     chan struct{}
	stopped  chan struct{}
	once     sync.Once
}

type shard struct {
	mu      sync.Mutex
	entries map[string]entry
}

// entry is a counter with its rule's window, so the sweeper knows when it expires.
type entry struct {
	counter
	size int64
}

// MemoryOption configures NewMemory.
type MemoryOption func(*memoryConfig)

type memoryConfig struct {
	maxKeys int
	sweep   time.Duration
}

// WithMaxKeys bounds the number of (rule, key) entries kept (default DefaultMaxKeys).
func WithMaxKeys(n int) MemoryOption { return func(c *memoryConfig) { c.maxKeys = n } }

// WithSweepInterval sets how often expired entries are dropped (default
// DefaultSweepInterval).
func WithSweepInterval(d time.Duration) MemoryOption { return func(c *memoryConfig) { c.sweep = d } }

// NewMemory returns an in-process limiter and starts its sweeper; Close stops it.
func NewMemory(opts ...MemoryOption) *Memory {
	cfg := memoryConfig{maxKeys: DefaultMaxKeys, sweep: DefaultSweepInterval}
	for _, o := range opts {
		o(&cfg)
	}
	m := &Memory{
		seed:     maphash.MakeSeed(),
		perShard: max((cfg.maxKeys+shardCount-1)/shardCount, 1),
		epoch:    time.Now(),
		stop:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	// time.Since reads the monotonic clock: a wall-clock step cannot reopen or close windows.
	m.now = func() int64 { return int64(time.Since(m.epoch)) }
	for i := range m.shards {
		m.shards[i].entries = make(map[string]entry)
	}
	go m.sweepEvery(cfg.sweep)
	return m
}

// Allow decides one request of key under rule.
func (m *Memory) Allow(_ context.Context, rule Rule, key string) (Decision, error) {
	return m.decide(rule, key, false)
}

// Peek decides as Allow without counting; a key never seen keeps no entry.
func (m *Memory) Peek(_ context.Context, rule Rule, key string) (Decision, error) {
	return m.decide(rule, key, true)
}

func (m *Memory) decide(rule Rule, key string, peek bool) (Decision, error) {
	if err := rule.Validate(); err != nil {
		return Decision{}, err
	}
	// The NUL keeps ("a", "b:c") and ("a:b", "c") apart.
	k := rule.Name + "\x00" + key
	s := &m.shards[maphash.String(m.seed, k)%shardCount]
	size, limit := int64(rule.Window), int64(rule.Limit)

	s.mu.Lock()
	now := m.now()
	e, ok := s.entries[k]
	if !ok && peek {
		s.mu.Unlock()
		return Decision{Allowed: true, Limit: rule.Limit, Remaining: rule.Limit}, nil
	}
	if !ok {
		if len(s.entries) >= m.perShard {
			s.evictOne(now)
		}
		e = entry{counter: counter{start: now}, size: size}
	}
	e.size = size
	allowed, remaining, wait := e.take(now, limit, size, peek)
	s.entries[k] = e
	s.mu.Unlock()

	return Decision{Allowed: allowed, Limit: rule.Limit, Remaining: int(remaining),
		RetryAfter: time.Duration(wait)}, nil
}

// evictOne makes room in a full shard. It looks at a few entries only, so a flood of new
// keys costs O(1) each, not a scan of the shard.
func (s *shard) evictOne(now int64) {
	const probes = 8
	var victim string
	n := 0
	for k, e := range s.entries { // map order is unspecified and varies: a cheap random pick
		if e.expired(now, e.size) {
			victim = k
			break
		}
		if n == 0 {
			victim = k
		}
		if n++; n == probes {
			break
		}
	}
	delete(s.entries, victim)
}

// Len returns the number of entries held (expired ones included until swept).
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}

// Close stops the sweeper. The limiter still answers afterwards, without sweeping.
func (m *Memory) Close() error {
	m.once.Do(func() { close(m.stop) })
	<-m.stopped
	return nil
}

func (m *Memory) sweepEvery(interval time.Duration) {
	defer close(m.stopped)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.sweep()
		}
	}
}

// sweep drops expired entries, one shard lock at a time so requests wait at most for one
// shard's scan.
func (m *Memory) sweep() {
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		now := m.now()
		for k, e := range s.entries {
			if e.expired(now, e.size) {
				delete(s.entries, k)
			}
		}
		s.mu.Unlock()
	}
}
