package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// ErrBusy means every password slot stayed taken until the caller's deadline (or
// maxSlotWait): the edge answers 503 with Retry-After.
var ErrBusy = errors.New("auth: too many password checks in progress")

// maxSlotWait bounds how long password work waits for a slot, below the request deadline, so
// a login flood is answered 503 promptly instead of holding every caller until its timeout.
const maxSlotWait = 5 * time.Second

// passwordSlots is how many bcrypt computations run at once: half the CPUs, at least one.
// bcrypt is CPU by design and login is public; a flood of logins (fresh emails from many
// addresses pass every rate limit) otherwise ran one per request at once and took every
// core from webhooks and sends.
func passwordSlots() int { return max(1, cpus/2) }

// cpus is the CPUs the process may use: GOMAXPROCS as the runtime chose it at start-up
// (the cores, or a container's CPU quota), read before cmd/switchboard raises it above the
// cores for threads blocked in fsync. GOMAXPROCS set in the environment counts as given.
var cpus = runtime.GOMAXPROCS(0)

// acquire takes a slot, or answers ErrBusy once ctx or maxSlotWait ends first.
func (p *Passwords) acquire(ctx context.Context) error {
	if p.tryAcquire() {
		return nil
	}
	t := time.NewTimer(maxSlotWait)
	defer t.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	case <-t.C:
		return fmt.Errorf("%w: waited %s", ErrBusy, maxSlotWait)
	}
}

func (p *Passwords) release() { <-p.slots }

// tryAcquire takes a slot if one is free, without waiting.
func (p *Passwords) tryAcquire() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}
