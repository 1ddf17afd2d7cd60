package edge

import (
	"time"

	"github.com/valyala/fasthttp"
)

// FastPath reports whether a request declaring a small body takes no lock (nothing held).
func (b *BodyMemory) FastPath() bool { return b.holding.Load() == 0 }

// Marks is how many refusals wait for their error handler.
func (b *BodyMemory) Marks() int { return int(b.marked.Load()) }

// SetClock sets the clock holds and refusals are dated by.
func (b *BodyMemory) SetClock(now func() time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = now
}

// Admit is what the server's HeaderReceived asks of b for h's request.
func (b *BodyMemory) Admit(h *fasthttp.RequestHeader, n, limit int) bool { return b.admit(h, n, limit) }

// MaxRefusalMarks bounds the refusals kept for their error handler.
const MaxRefusalMarks = maxRefusalMarks

// Release is what the server's Handler gives back at h's request's end.
func (b *BodyMemory) Release(h *fasthttp.RequestHeader) { b.release(h) }

// ErrorEnd is what the server's ErrorHandler asks of b at h's request's end: whether admit
// refused it.
func (b *BodyMemory) ErrorEnd(h *fasthttp.RequestHeader) bool { return b.releaseRefused(h) }
