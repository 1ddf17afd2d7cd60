package edge

import (
	"cmp"
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// ErrBodyMemoryFull is what the server's ErrorHandler receives for a request LimitBodyMemory
// refused: ServerErrorHandler answers it 503 service_unavailable with Retry-After.
var ErrBodyMemoryFull = errors.New("edge: request bodies in flight hold the server's body memory")

// bodyMemoryRetryAfter is the refusal's Retry-After: bodies in flight are answered, or
// their connections time out (ReadTimeout), within seconds to tens of seconds.
const bodyMemoryRetryAfter = 5

// freeBody is the largest declared body that is not counted: it fits the 4 KiB read
// buffer a connection holds anyway, so the connection limit already bounds it, and small
// requests (logins, sends, most webhooks) are never held back by large ones.
const freeBody = 4 << 10

// staleHold is how long a hold or a refusal may wait for its request's end before it is
// dropped anyway: far beyond any read timeout plus a handler's work. fasthttp ends a few
// requests without calling the handler or the error handler (a connection closed at
// shutdown, or by the client at a chunk boundary: a refused chunked request whose client
// goes away before its first chunk); their slots are dropped when the connection's context
// is reused, or, if it never is, here.
const staleHold = 10 * time.Minute

// maxRefusalMarks bounds the refusals waiting for their error handler; past it the oldest
// mark goes (its request, if ever answered, is answered 413 rather than 503). Answered
// refusals take their mark back at once: only unanswered ones pile up.
const maxRefusalMarks = 1 << 14

// BodyMemory bounds the bytes fasthttp holds for request bodies in flight (LimitBodyMemory).
type BodyMemory struct {
	max int64
	now func() time.Time

	// holding counts the holds, kept under mu and read without it: while it is 0 a small body's
	// request neither takes nor gives back anything, so the common case (no large body in
	// flight) takes no lock shared by every connection. Refusals do not count: a small
	// body is never refused, so one left unanswered cannot concern it (release).
	holding atomic.Int64
	// marked counts the refusals, kept under mu and read without it by the error handler.
	marked atomic.Int64

	mu       sync.Mutex
	used     int64
	refusals int64
	// slots is every hold and refusal by its request's header (one per connection at a
	// time); holds and refused list them oldest first, so the stale ones are swept from the
	// front: O(1) per request however many there are.
	slots   map[*fasthttp.RequestHeader]*bodySlot
	holds   slotList
	refused slotList
}

// LimitBodyMemory bounds the memory request bodies in flight hold on s to max bytes, and
// returns the bound for its figures. fasthttp allocates a body's whole declared length
// (rounded up to a power of two) when it starts reading it and keeps it until the request
// is answered: per-request limits and per-address connection limits leave the total at
// connections × limit (16,000 × 4 MiB for the webhook), which clients from many addresses
// declaring large bodies and trickling them can pin. A request whose body would take the
// total past max is refused from its headers, before any room is made: its connection is
// answered 503 service_unavailable with Retry-After and closed. A chunked body, of unknown
// length, counts as the largest its route takes; bodies of 4 KiB or less are not counted.
//
// Call it after ConfigureServer and after setting s.Handler and s.HeaderReceived: it wraps
// them and s.ErrorHandler (it panics without a Handler or an ErrorHandler).
func LimitBodyMemory(s *fasthttp.Server, max int64) *BodyMemory {
	if s.ErrorHandler == nil || s.Handler == nil {
		// fasthttp's own error handler would answer the refusal 413: a wiring mistake.
		panic("edge.LimitBodyMemory: set the Handler and call ConfigureServer first")
	}
	b := &BodyMemory{max: max, now: time.Now, slots: map[*fasthttp.RequestHeader]*bodySlot{}}
	routeConfig, handler, onError := s.HeaderReceived, s.Handler, s.ErrorHandler
	s.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		var conf fasthttp.RequestConfig
		if routeConfig != nil {
			conf = routeConfig(h)
		}
		limit := cmp.Or(conf.MaxRequestBodySize, s.MaxRequestBodySize, fasthttp.DefaultMaxRequestBodySize)
		if !b.admit(h, h.ContentLength(), limit) {
			// fasthttp refuses a body over the size from the headers, without reading or
			// making room for it; the error handler tells this refusal from a 413.
			conf.MaxRequestBodySize = 1
		}
		return conf
	}
	s.Handler = func(ctx *fasthttp.RequestCtx) {
		defer b.release(&ctx.Request.Header)
		handler(ctx)
	}
	s.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		if b.releaseRefused(&ctx.Request.Header) && errors.Is(err, fasthttp.ErrBodyTooLarge) {
			err = ErrBodyMemoryFull
		}
		onError(ctx, err)
	}
	return b
}

// InFlight is the bytes held for request bodies being read or handled.
func (b *BodyMemory) InFlight() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Refusals is how many requests were refused for want of body memory.
func (b *BodyMemory) Refusals() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refusals
}

// admit holds room for a request's body of declared length n (-1: chunked) within limit,
// the most its route takes, or reports false when the total would pass the bound.
func (b *BodyMemory) admit(h *fasthttp.RequestHeader, n, limit int) bool {
	if n >= 0 && n <= freeBody && n <= limit && b.holding.Load() == 0 {
		// Nothing held anywhere, so nothing of this connection's to drop either. A
		// connection's requests run on its one goroutine, so no hold of h can appear
		// meanwhile. A refusal of h left unanswered may remain, but fasthttp finds this
		// body within its limit, so the mark is not taken for this request's (releaseRefused).
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.sweepLocked(now)
	b.dropLocked(h) // the connection's previous request ended without being answered
	switch {
	case n == -1:
		n = limit
	case n > limit:
		return true // fasthttp refuses it, 413, without making room
	}
	if n <= freeBody {
		return true
	}
	need := allocated(n)
	if b.used+need > b.max {
		b.refusals++
		if b.marked.Load() >= maxRefusalMarks {
			b.dropLocked(b.refused.head.h)
		}
		b.addLocked(&b.refused, &bodySlot{h: h, at: now, refused: true})
		return false
	}
	b.used += need
	b.addLocked(&b.holds, &bodySlot{h: h, n: need, at: now})
	return true
}

// release gives back the room held for h's request.
func (b *BodyMemory) release(h *fasthttp.RequestHeader) {
	if b.holding.Load() == 0 {
		return // admit held nothing for h (its connection's goroutine did the admit)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropLocked(h)
}

// releaseRefused is release for a request that ends in the error handler, and reports
// whether admit refused it. A mark of h's left by an earlier request of h, refused and never
// answered, stays until h's next request that takes the lock: only one admitted on the fast
// path, whose body fasthttp never finds too large (it is within the route's limit), ends
// here with it.
func (b *BodyMemory) releaseRefused(h *fasthttp.RequestHeader) (refused bool) {
	if b.holding.Load() == 0 && b.marked.Load() == 0 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.slots[h]; ok {
		refused = s.refused
	}
	b.dropLocked(h)
	return refused
}

func (b *BodyMemory) addLocked(l *slotList, s *bodySlot) {
	b.slots[s.h] = s
	l.push(s)
	b.counter(s).Add(1)
}

func (b *BodyMemory) dropLocked(h *fasthttp.RequestHeader) {
	s, ok := b.slots[h]
	if !ok {
		return
	}
	delete(b.slots, h)
	if s.refused {
		b.refused.remove(s)
	} else {
		b.holds.remove(s)
		b.used -= s.n
	}
	b.counter(s).Add(-1)
}

func (b *BodyMemory) counter(s *bodySlot) *atomic.Int64 {
	if s.refused {
		return &b.marked
	}
	return &b.holding
}

// sweepLocked drops the holds and refusals older than staleHold: the oldest of each list
// first, stopping at the first that is not.
func (b *BodyMemory) sweepLocked(now time.Time) {
	for _, l := range [...]*slotList{&b.holds, &b.refused} {
		for l.head != nil {
			if now.Sub(l.head.at) <= staleHold {
				break
			}
			b.dropLocked(l.head.h)
		}
	}
}

// allocated is what fasthttp allocates for a body of n bytes (appendBodyFixedSize: the
// next power of two, up to 100 MiB).
func allocated(n int) int64 {
	if n > 100<<20 {
		return int64(n)
	}
	return int64(1) << bits.Len(uint(n-1))
}
