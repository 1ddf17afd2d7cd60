package storetest

import (
	"slices"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

func wantStateIDs(t *testing.T, o persistence.Outbox, tenantID string, state persistence.OutboxState, limit int, want []string) {
	t.Helper()
	got, err := o.ListByState(t.Context(), tenantID, state, limit)
	must(t, err, "list %s %s", tenantID, state)
	gotIDs := ids(got, func(m persistence.OutboxMessage) string { return m.ID })
	if !slices.Equal(gotIDs, want) {
		t.Fatalf("list %s %s limit %d: got %v, want %v", tenantID, state, limit, gotIDs, want)
	}
}

var outboxContracts = []contract{
	{"outbox/enqueue and get", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		must(t, o.Enqueue(ctx, nil), "enqueue nothing")
		m := newOutbox("o1", "t1", 1)
		m.State = "" // Enqueue stores queued whatever the caller left there
		m.ExpiresAt = at(9)
		must(t, o.Enqueue(ctx, []persistence.OutboxMessage{m, newOutbox("o2", "t1", 2)}), "enqueue")
		got, err := o.Get(ctx, "o1")
		must(t, err, "get")
		want := m
		want.State = persistence.OutboxQueued
		wantEqual(t, got, want, "get")
		wantUTC(t, got.CreatedAt, "createdAt")
		_, err = o.Get(ctx, "nope")
		wantErr(t, err, persistence.ErrNotFound, "get unknown")
	}},
	{"outbox/enqueue claimed", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		claimed, other := newOutbox("o1", "t1", 1), newOutbox("o2", "t1", 2)
		claimed.State, claimed.Attempts = persistence.OutboxSending, 1
		other.State = persistence.OutboxSent // not a state Enqueue stores
		must(t, o.Enqueue(ctx, []persistence.OutboxMessage{claimed, other}), "enqueue")
		got, err := o.Get(ctx, "o1")
		must(t, err, "get claimed")
		wantEqual(t, got, claimed, "claimed at insert")
		got, err = o.Get(ctx, "o2")
		must(t, err, "get other")
		if got.State != persistence.OutboxQueued {
			t.Fatalf("enqueued as %s, want queued", got.State)
		}
		wantStateIDs(t, o, "t1", persistence.OutboxSending, 10, []string{"o1"})
		wantErr(t, o.Transition(ctx, persistence.OutboxQueued, claimed), persistence.ErrVersionConflict, "claim a message claimed at insert")
		sent := claimed
		sent.State, sent.WAMID = persistence.OutboxSent, "wamid.HBgL1"
		must(t, o.Transition(ctx, persistence.OutboxSending, sent), "sending → sent")
	}},
	{"outbox/duplicate id", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		first := newOutbox("o1", "t1", 1)
		must(t, o.Enqueue(ctx, []persistence.OutboxMessage{first}), "enqueue")
		clash := newOutbox("o1", "t2", 5)
		err := o.Enqueue(ctx, []persistence.OutboxMessage{newOutbox("o2", "t1", 2), clash, newOutbox("o3", "t1", 3)})
		wantErr(t, err, persistence.ErrConflict, "enqueue with stored id")
		got, err := o.Get(ctx, "o1")
		must(t, err, "get o1")
		wantEqual(t, got, first, "o1 unchanged")
		for _, id := range []string{"o2", "o3"} {
			_, err := o.Get(ctx, id)
			wantErr(t, err, persistence.ErrNotFound, "%s written by a failed enqueue", id)
		}
	}},
	{"outbox/conditional transitions", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		m := newOutbox("o1", "t1", 1)
		must(t, o.Enqueue(ctx, []persistence.OutboxMessage{m}), "enqueue")

		sending := m
		sending.State, sending.Attempts, sending.UpdatedAt = persistence.OutboxSending, 1, at(2)
		must(t, o.Transition(ctx, persistence.OutboxQueued, sending), "queued → sending")

		sent := sending
		sent.State, sent.WAMID, sent.UpdatedAt = persistence.OutboxSent, "wamid.HBgL123", at(3)
		wantErr(t, o.Transition(ctx, persistence.OutboxQueued, sent), persistence.ErrVersionConflict, "from queued while sending")
		got, err := o.Get(ctx, "o1")
		must(t, err, "get after conflict")
		wantEqual(t, got, sending, "unchanged by conflicting transition")

		must(t, o.Transition(ctx, persistence.OutboxSending, sent), "sending → sent")
		got, err = o.Get(ctx, "o1")
		must(t, err, "get after sent")
		wantEqual(t, got, sent, "sent")
		wantErr(t, o.Transition(ctx, persistence.OutboxSending, sent), persistence.ErrVersionConflict, "sent twice")

		// Meta failed the sent message with its own trouble (131000): it is queued again,
		// remembering the wamid it retracts, and listed with the queued rows.
		again := sent
		again.State, again.WAMID, again.Retracted, again.UpdatedAt = persistence.OutboxQueued, "", []string{"wamid.HBgL123"}, at(4)
		again.ErrorCode, again.ErrorTitle, again.NextAttemptAt = 131000, "Something went wrong", at(5)
		again.ErrorDetails = "Message failed to send due to an unknown error."
		must(t, o.Transition(ctx, persistence.OutboxSent, again), "sent → queued")
		got, err = o.Get(ctx, "o1")
		must(t, err, "get after sent → queued")
		wantEqual(t, got, again, "queued again")
		wantStateIDs(t, o, "t1", persistence.OutboxQueued, 10, []string{"o1"})

		missing := newOutbox("nope", "t1", 1)
		missing.State = persistence.OutboxSending
		wantErr(t, o.Transition(ctx, persistence.OutboxQueued, missing), persistence.ErrNotFound, "unknown id")
	}},
	{"outbox/racing senders: one transition wins", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		m := newOutbox("o1", "t1", 1)
		must(t, o.Enqueue(ctx, []persistence.OutboxMessage{m}), "enqueue")
		const racers = 8
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				claim := m
				claim.State, claim.Attempts = persistence.OutboxSending, i+1
				errs[i] = o.Transition(ctx, persistence.OutboxQueued, claim)
			})
		}
		wg.Wait()
		winners := 0
		for i, err := range errs {
			if err == nil {
				winners++
				continue
			}
			wantErr(t, err, persistence.ErrVersionConflict, "racer %d", i)
		}
		if winners != 1 {
			t.Fatalf("%d racers moved the message to sending, want exactly 1 (a double send)", winners)
		}
	}},
	{"outbox/list by state", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		msgs := []persistence.OutboxMessage{
			newOutbox("a3", "t1", 3), newOutbox("a1", "t1", 1), newOutbox("b1", "t2", 0),
			newOutbox("a2", "t1", 2), newOutbox("a4", "t1", 4),
		}
		must(t, o.Enqueue(ctx, msgs), "enqueue")
		wantStateIDs(t, o, "t1", persistence.OutboxQueued, 10, []string{"a1", "a2", "a3", "a4"})
		wantStateIDs(t, o, "t1", persistence.OutboxQueued, 2, []string{"a1", "a2"})
		wantStateIDs(t, o, "t2", persistence.OutboxQueued, 10, []string{"b1"})
		wantStateIDs(t, o, "t1", persistence.OutboxSending, 10, nil)

		for _, id := range []string{"a3", "a1"} {
			m, err := o.Get(ctx, id)
			must(t, err, "get %s", id)
			m.State = persistence.OutboxSending
			must(t, o.Transition(ctx, persistence.OutboxQueued, m), "send %s", id)
		}
		wantStateIDs(t, o, "t1", persistence.OutboxQueued, 10, []string{"a2", "a4"})
		wantStateIDs(t, o, "t1", persistence.OutboxSending, 10, []string{"a1", "a3"})
		wantStateIDs(t, o, "t1", persistence.OutboxUnknown, 10, nil)
	}},
	{"outbox/count pending", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		wantCount := func(tenantID string, limit, want int) {
			t.Helper()
			got, err := o.CountPending(ctx, tenantID, limit)
			must(t, err, "count %s", tenantID)
			if got != want {
				t.Fatalf("count pending %s up to %d: %d, want %d", tenantID, limit, got, want)
			}
		}
		wantCount("t1", 10, 0)
		must(t, o.Enqueue(ctx, []persistence.OutboxMessage{newOutbox("p1", "t1", 1), newOutbox("p2", "t1", 2),
			newOutbox("p3", "t1", 3), newOutbox("p4", "t1", 4), newOutbox("q1", "t2", 1)}), "enqueue")
		move := func(id string, from, to persistence.OutboxState) {
			m, err := o.Get(ctx, id)
			must(t, err, "get %s", id)
			m.State = to
			must(t, o.Transition(ctx, from, m), "%s %s → %s", id, from, to)
		}
		move("p1", persistence.OutboxQueued, persistence.OutboxSending)
		move("p2", persistence.OutboxQueued, persistence.OutboxSending)
		move("p2", persistence.OutboxSending, persistence.OutboxUnknown)
		move("p3", persistence.OutboxQueued, persistence.OutboxSending)
		move("p3", persistence.OutboxSending, persistence.OutboxSent)
		wantCount("t1", 10, 3) // p1 sending, p2 unknown, p4 queued; p3 is settled
		wantCount("t1", 2, 2)  // a count stops at its limit
		wantCount("t2", 10, 1)
		wantCount("t3", 10, 0)
	}},
}
