// Package events fans the engine's durable changes out to whoever listens: the WebSocket
// sessions of a tenant's agents (API.md, "WebSocket"), tests, and tools. Publishing never
// blocks the grain that published.
package events

import (
	"sync"
	"sync/atomic"
)

// Event is one change as the WebSocket contract frames it: {"type", "seq", "data"}.
type Event struct {
	Type string `json:"type"`
	// Seq orders a node's events; a client resumes after the last seq it saw.
	Seq      uint64 `json:"seq"`
	TenantID string `json:"-"`
	Data     any    `json:"data"`
}

// DefaultBuffer is how many events a subscription holds for a slow reader before it lags.
const DefaultBuffer = 1024

// Hub delivers each tenant's events to that tenant's subscriptions. It is safe for
// concurrent use.
type Hub struct {
	seq     atomic.Uint64
	dropped atomic.Uint64
	mu      sync.RWMutex
	subs    map[string]map[*Subscription]struct{}
}

func NewHub() *Hub { return &Hub{subs: map[string]map[*Subscription]struct{}{}} }

// Subscription receives one tenant's events in publication order.
type Subscription struct {
	hub    *Hub
	tenant string
	ch     chan Event
	lagged atomic.Bool
	once   sync.Once
}

// Subscribe starts receiving tenantID's events; buffer ≤ 0 means DefaultBuffer.
func (h *Hub) Subscribe(tenantID string, buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	s := &Subscription{hub: h, tenant: tenantID, ch: make(chan Event, buffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[tenantID] == nil {
		h.subs[tenantID] = map[*Subscription]struct{}{}
	}
	h.subs[tenantID][s] = struct{}{}
	return s
}

// C is the subscription's events; it is closed by Close.
func (s *Subscription) C() <-chan Event { return s.ch }

// Lagged reports whether an event was dropped because the buffer was full: the reader must
// resynchronise (re-read what it shows) rather than trust the stream.
func (s *Subscription) Lagged() bool { return s.lagged.Load() }

// Close stops the subscription and closes its channel.
func (s *Subscription) Close() {
	s.once.Do(func() {
		h := s.hub
		h.mu.Lock()
		delete(h.subs[s.tenant], s)
		if len(h.subs[s.tenant]) == 0 {
			delete(h.subs, s.tenant)
		}
		h.mu.Unlock()
		close(s.ch)
	})
}

// Publish numbers an event and offers it to every subscription of its tenant. A full
// subscription drops it and is marked lagged: one slow reader never slows the grains or
// the other readers.
func (h *Hub) Publish(tenantID, typ string, data any) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	subs := h.subs[tenantID]
	if len(subs) == 0 {
		h.seq.Add(1)
		return
	}
	e := Event{Type: typ, Seq: h.seq.Add(1), TenantID: tenantID, Data: data}
	for s := range subs {
		select {
		case s.ch <- e:
		default:
			s.lagged.Store(true)
			h.dropped.Add(1)
		}
	}
}

// Dropped counts events dropped for lagging subscriptions since the hub started.
func (h *Hub) Dropped() uint64 { return h.dropped.Load() }
