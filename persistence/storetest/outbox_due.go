package storetest

import (
	"slices"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

var outboxDueContracts = []contract{
	{"outbox/due tenants", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		now := at(100)
		wantDue := func(after string, limit int, want ...string) {
			t.Helper()
			got, err := o.DueTenants(ctx, now, after, limit)
			must(t, err, "due tenants after %q", after)
			if !slices.Equal(got, want) {
				t.Fatalf("due tenants after %q up to %d: %v, want %v", after, limit, got, want)
			}
		}
		wantDue("", 10)
		row := func(id, tenant string, nextAttempt int) persistence.OutboxMessage {
			m := newOutbox(id, tenant, 1)
			m.NextAttemptAt = at(nextAttempt)
			return m
		}
		later := row("later", "t-later", 200) // its retry waits
		due := row("due", "t-queued", 100)    // its time has come (now)
		early := row("early", "t-queued", 300)
		zero := row("zero", "t-zero", 0)
		zero.NextAttemptAt = zero.NextAttemptAt.AddDate(-2025, 0, 0) // long ago, as never set
		must(t, o.Enqueue(ctx, []persistence.OutboxMessage{later, due, early, zero,
			row("sending", "t-sending", 500), row("unknown", "t-unknown", 500), row("settled", "t-settled", 1)}), "enqueue")
		move := func(id string, path ...persistence.OutboxState) {
			m, err := o.Get(ctx, id)
			must(t, err, "get %s", id)
			from := persistence.OutboxQueued
			for _, to := range path {
				m.State = to
				must(t, o.Transition(ctx, from, m), "%s %s → %s", id, from, to)
				from = to
			}
		}
		move("sending", persistence.OutboxSending)
		move("unknown", persistence.OutboxSending, persistence.OutboxUnknown)
		move("settled", persistence.OutboxSending, persistence.OutboxSent)

		wantDue("", 10, "t-queued", "t-sending", "t-unknown", "t-zero")
		wantDue("", 2, "t-queued", "t-sending")        // a round stops at its limit…
		wantDue("t-sending", 2, "t-unknown", "t-zero") // …and the next goes on after it
		wantDue("t-zero", 2)
	}},
}
