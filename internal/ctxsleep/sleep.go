// Package ctxsleep waits for a duration or a context, whichever ends first: the backoffs
// and pacing waits of every package that calls out of the process.
package ctxsleep

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends (returning its error). d ≤ 0 returns at once with ctx's
// error, so a caller that is already late still notices a cancelled context.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
