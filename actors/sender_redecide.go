package actors

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

// Resend decisions taken again from the outbox: rows Meta failed with its own trouble after
// accepting them, marked retryable before the decision asked the conversation
// (sender_resend.go), whose decision a stop, a crash or the tenant moving to another member
// cut short. Each is decided as when its failure came, from the failure the row keeps; up to
// maxUnknownHeld at once, the rest later.
//
// An activation lists them when it loads (redecide). A row can also be marked behind a live
// activation's back: a decision runs in a goroutine of its own, and one whose activation
// stopped (its snapshot out of step with the store) or went stale (the tenant moved to
// another member) still writes its mark, and then its question may go unanswered, its
// answer dropped by the stopped grain — after the live activation had listed its rows. The
// outbox keeper, which lists the tenants holding retryable rows, wakes such a tenant every
// OUTBOX_KEEPER_INTERVAL; a live activation then lists its retryable rows again
// (redecideLive) and decides those it is not deciding already. Cost: one listing per keeper
// wake of a live tenant (at most one a minute), off the grain's goroutine.

// retryableListed carries a live activation's listing of its retryable rows.
type retryableListed struct {
	rows []persistence.OutboxMessage
	err  error
}

func (*retryableListed) NotInfluenceReceiveTimeout() {}

// redecide decides the retryable rows at activation.
func (s *sender) redecide(ctx context.Context) error {
	rows, err := s.d.Store.Outbox().ListByState(ctx, s.tenantID, persistence.OutboxRetryable, maxUnknownHeld)
	if err != nil {
		return fmt.Errorf("list retryable outbox rows: %w", err)
	}
	s.redecideRows(rows)
	return nil
}

// redecideLive lists the retryable rows again in a live activation (the keeper's wake), one
// listing at a time.
func (s *sender) redecideLive() {
	if !s.enabled() || s.stopped || s.listingRetryable {
		return
	}
	s.listingRetryable = true
	ob, tenantID, tell := s.d.Store.Outbox(), s.tenantID, s.tell
	s.d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		rows, err := ob.ListByState(ctx, tenantID, persistence.OutboxRetryable, maxUnknownHeld)
		tell(&retryableListed{rows: rows, err: err})
	})
}

// retryableFound decides the rows a live listing found.
func (s *sender) retryableFound(m *retryableListed) {
	s.listingRetryable = false
	if m.err != nil {
		s.d.Log.Warn("retryable outbox rows not listed; the keeper's next wake lists them again", "tenant", s.tenantID, "err", m.err)
		return
	}
	s.redecideRows(m.rows)
}

// redecideRows decides each row, but for those this activation decides already, waits to
// look at again, or holds (its own decision queued it, or its outcome is being written).
func (s *sender) redecideRows(rows []persistence.OutboxMessage) {
	waiting := map[string]bool{}
	for ev := range s.resendWaits {
		waiting[ev.MessageID] = true
	}
	for _, r := range rows {
		_, deciding := s.resends[r.ID]
		_, held := s.items[r.ID]
		if deciding || held || waiting[r.ID] {
			continue
		}
		s.resendFailed(&OutboundEvidence{MessageID: r.ID, WAMID: r.WAMID, Retry: rowError(r)}, 0)
	}
}
