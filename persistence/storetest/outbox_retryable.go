package storetest

import (
	"slices"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// A row Meta failed with its own trouble after accepting it, whose resend is not decided yet
// (retryable), is pending work: an activation lists it to decide again, the keeper wakes its
// tenant, the backlog counts it, and retention never deletes it. Otherwise a decision cut
// short by a stop or a crash left the message failed for good.
var outboxRetryableContracts = []contract{
	{"outbox/retryable rows are pending", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		must(t, o.Enqueue(ctx, []persistence.OutboxMessage{newOutbox("r1", "t-r", 1), newOutbox("r2", "t-r", 2)}), "enqueue")
		for _, id := range []string{"r1", "r2"} {
			m, err := o.Get(ctx, id)
			must(t, err, "get %s", id)
			from := persistence.OutboxQueued
			for _, to := range []persistence.OutboxState{persistence.OutboxSending, persistence.OutboxSent, persistence.OutboxRetryable} {
				m.State, m.WAMID = to, "wamid."+id
				must(t, o.Transition(ctx, from, m), "%s %s → %s", id, from, to)
				from = to
			}
		}
		wantStateIDs(t, o, "t-r", persistence.OutboxRetryable, 10, []string{"r1", "r2"})
		n, err := o.CountPending(ctx, "t-r", 10)
		must(t, err, "count pending")
		if n != 2 {
			t.Fatalf("count pending with two retryable rows: %d, want 2", n)
		}
		due, err := o.DueTenants(ctx, at(0), "", 10)
		must(t, err, "due tenants")
		if !slices.Equal(due, []string{"t-r"}) {
			t.Fatalf("due tenants: %v, want [t-r]", due)
		}
		pruned, err := o.PruneSettled(ctx, at(1000), 100)
		must(t, err, "prune")
		if pruned != 0 {
			t.Fatalf("pruned %d retryable rows, want none", pruned)
		}
		// Decided: resent (→ queued) or settled (→ sent), and out of the state's listing.
		m, err := o.Get(ctx, "r1")
		must(t, err, "get r1")
		m.State = persistence.OutboxSent
		must(t, o.Transition(ctx, persistence.OutboxRetryable, m), "r1 retryable → sent")
		wantErr(t, o.Transition(ctx, persistence.OutboxRetryable, m), persistence.ErrVersionConflict, "r1 decided twice")
		wantStateIDs(t, o, "t-r", persistence.OutboxRetryable, 10, []string{"r2"})
	}},
}
