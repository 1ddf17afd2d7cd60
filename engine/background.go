package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// repeat runs round first after first, then every every, in the engine's background, until
// Shutdown begins (the pruner, the periodic template sync).
func (e *Engine) repeat(first, every time.Duration, round func()) {
	e.background.Go(func() {
		t := time.NewTimer(first)
		defer t.Stop()
		for {
			select {
			case <-e.stopping:
				return
			case <-t.C:
				round()
				t.Reset(every)
			}
		}
	})
}

// eachTenant calls fn with every tenant of the directory, a page of 100 at a time, until fn
// returns false. Each page read has its own deadline, so a long walk (fn may wait) never
// outlives one.
func (e *Engine) eachTenant(fn func(persistence.Tenant) bool) error {
	for page := 1; ; page++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		tenants, total, err := e.store.Directory().ListTenants(ctx, persistence.Page{Page: page, Limit: 100})
		cancel()
		if err != nil {
			return fmt.Errorf("list tenants (page %d): %w", page, err)
		}
		for _, t := range tenants {
			if !fn(t) {
				return nil
			}
		}
		if page*100 >= total || len(tenants) == 0 {
			return nil
		}
	}
}
