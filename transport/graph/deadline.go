package graph

import (
	"context"
	"time"
)

// DeadlineOnly returns a context with ctx's values and deadline that is never cancelled
// before that deadline — and so is never cancelled at all as far as Done and Err tell: the
// Graph client enforces the deadline itself (fasthttp's DoDeadline). For callers that never
// cancel a call early, it spares the goroutine that otherwise watches every call for a
// cancellation (exchange). The sender is one: a graceful stop waits for the sends in flight.
func DeadlineOnly(ctx context.Context) context.Context {
	d, ok := ctx.Deadline()
	return deadlineOnly{Context: context.WithoutCancel(ctx), deadline: d, ok: ok}
}

type deadlineOnly struct {
	context.Context
	deadline time.Time
	ok       bool
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.deadline, c.ok }
