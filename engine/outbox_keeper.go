package engine

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/actors"
)

// startOutboxKeeper runs the outbox keeper (actors/outbox_keeper.go) every
// OUTBOX_KEEPER_INTERVAL, its first round at start: that round wakes the tenants a previous
// process left with work in the outbox (queued messages, sends to reconcile), and the later
// ones those whose sender stopped since with work held, or whose activation failed.
func (e *Engine) startOutboxKeeper() {
	keeper := actors.NewOutboxKeeper(e.actors, e.store.Outbox(), e.log)
	e.repeat(0, e.cfg.OutboxKeeperInterval, func() {
		// A round's wakes may each wait for an activation: Shutdown must not wait for them all.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-e.stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
		n, err := keeper.Round(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			e.log.Warn("outbox keeper round failed", "err", err)
		}
		if n > 0 {
			e.log.Debug("outbox keeper woke tenants with due work", "tenants", n)
		}
	})
}
