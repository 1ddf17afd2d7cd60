package storetest

import (
	"fmt"
	"testing"

	idgen "github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
)

var pruneContracts = []contract{
	{"inbox/prune processed entries only, oldest first, bounded", func(t *testing.T, s persistence.Store) {
		in, ctx := s.Inbox(), t.Context()
		must(t, in.Append(ctx, newEntries(0, 10)), "append")
		must(t, in.MarkProcessed(ctx, []string{inboxID(0), inboxID(1), inboxID(2), inboxID(4), inboxID(5), inboxID(6), inboxID(7)}), "mark")

		n, err := in.PruneProcessed(ctx, at(6), 100)
		must(t, err, "prune before 6")
		wantEqual(t, n, 5, "processed entries received before 6 (0, 1, 2, 4, 5)")
		wantPendingIDs(t, in, []string{inboxID(3), inboxID(8), inboxID(9)})
		must(t, in.Append(ctx, []persistence.InboxEntry{newEntry(1)}), "a pruned id is free again")
		wantErr(t, in.Append(ctx, []persistence.InboxEntry{newEntry(6)}), persistence.ErrConflict, "an entry received at 6 is kept")

		n, err = in.PruneProcessed(ctx, at(100), 1)
		must(t, err, "prune with limit 1")
		wantEqual(t, n, 1, "at most limit")
		n, err = in.PruneProcessed(ctx, at(100), 100)
		must(t, err, "prune the rest")
		wantEqual(t, n, 1, "the last processed entry (7; 1 came back unprocessed)")
		n, err = in.PruneProcessed(ctx, at(100), 100)
		must(t, err, "prune nothing")
		wantEqual(t, n, 0, "nothing processed left")
		wantPendingIDs(t, in, []string{inboxID(1), inboxID(3), inboxID(8), inboxID(9)})
	}},
	{"outbox/prune settled messages only, oldest first, bounded", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		var msgs []persistence.OutboxMessage
		for n := 0; n <= 6; n++ {
			msgs = append(msgs, newOutbox(fmt.Sprintf("o-%02d", n), "t1", n))
		}
		must(t, o.Enqueue(ctx, msgs), "enqueue")
		move := func(id string, states ...persistence.OutboxState) {
			m, err := o.Get(ctx, id)
			must(t, err, "get %s", id)
			for _, st := range states {
				from := m.State
				m.State = st
				must(t, o.Transition(ctx, from, m), "%s %s → %s", id, from, st)
			}
		}
		move("o-00", persistence.OutboxCanceled)
		move("o-01", persistence.OutboxSending, persistence.OutboxSent)
		move("o-02", persistence.OutboxSending, persistence.OutboxFailed)
		move("o-04", persistence.OutboxSending)
		move("o-05", persistence.OutboxSending, persistence.OutboxUnknown)
		move("o-06", persistence.OutboxSending, persistence.OutboxSent)

		n, err := o.PruneSettled(ctx, at(6), 100)
		must(t, err, "prune before 6")
		wantEqual(t, n, 3, "canceled, sent and failed messages created before 6 (o-00, o-01, o-02)")
		for _, id := range []string{"o-00", "o-01", "o-02"} {
			_, err := o.Get(ctx, id)
			wantErr(t, err, persistence.ErrNotFound, "%s pruned", id)
		}
		wantStateIDs(t, o, "t1", persistence.OutboxQueued, 10, []string{"o-03"})
		wantStateIDs(t, o, "t1", persistence.OutboxSending, 10, []string{"o-04"})
		wantStateIDs(t, o, "t1", persistence.OutboxUnknown, 10, []string{"o-05"})
		if _, err := o.Get(ctx, "o-06"); err != nil {
			t.Fatalf("o-06, created at 6, pruned: %v", err)
		}

		move("o-03", persistence.OutboxSending, persistence.OutboxSent)
		n, err = o.PruneSettled(ctx, at(100), 1)
		must(t, err, "prune with limit 1")
		wantEqual(t, n, 1, "at most limit")
		_, err = o.Get(ctx, "o-03")
		wantErr(t, err, persistence.ErrNotFound, "the oldest settled goes first")
		n, err = o.PruneSettled(ctx, at(100), 100)
		must(t, err, "prune the rest")
		wantEqual(t, n, 1, "o-06; o-04 and o-05 are still pending")
		wantStateIDs(t, o, "t1", persistence.OutboxSending, 10, []string{"o-04"})
		wantStateIDs(t, o, "t1", persistence.OutboxUnknown, 10, []string{"o-05"})
	}},
	{"inbox/prune goes past a run of old unprocessed entries", func(t *testing.T, s persistence.Store) {
		in, ctx := s.Inbox(), t.Context()
		must(t, in.Append(ctx, newEntries(0, 140)), "append")
		var processed []string
		for n := 40; n < 140; n++ {
			processed = append(processed, inboxID(n))
		}
		must(t, in.MarkProcessed(ctx, processed), "mark")
		// 40 old pending entries first: more than one small prune may examine.
		wantEqual(t, pruneAll(t, func() (int, error) { return in.PruneProcessed(ctx, at(1000), 10) }), 100, "processed entries pruned")
	}},
	{"outbox/prune goes past recent rows whose ids sort first, and old unsettled ones", func(t *testing.T, s persistence.Store) {
		o, ctx := s.Outbox(), t.Context()
		var msgs []persistence.OutboxMessage
		// A recent send named by an Idempotency-Key: its id is a hash, sorting before
		// everything else here although it is the newest.
		keyed := newOutbox(idgen.Keyed("t1", "client-key-41"), "t1", 500)
		keyed.ID = "00" + keyed.ID[2:]
		msgs = append(msgs, keyed)
		// A recent engine-made id: it sorts by creation.
		msgs = append(msgs, newOutbox(idgen.Floor(at(400)), "t1", 400))
		for n := 0; n < 90; n++ {
			msgs = append(msgs, newOutbox(fmt.Sprintf("o-%03d", n), "t1", n))
		}
		must(t, o.Enqueue(ctx, msgs), "enqueue")
		// The first 40 old messages stay queued; the other 50 are sent.
		for n := 40; n < 90; n++ {
			m, err := o.Get(ctx, fmt.Sprintf("o-%03d", n))
			must(t, err, "get %d", n)
			m.State = persistence.OutboxSending
			must(t, o.Transition(ctx, persistence.OutboxQueued, m), "claim %d", n)
			m.State = persistence.OutboxSent
			must(t, o.Transition(ctx, persistence.OutboxSending, m), "settle %d", n)
		}
		wantEqual(t, pruneAll(t, func() (int, error) { return o.PruneSettled(ctx, at(300), 10) }), 50, "old sent messages pruned")
		for _, id := range []string{keyed.ID, msgs[1].ID, "o-000", "o-039"} {
			if _, err := o.Get(ctx, id); err != nil {
				t.Fatalf("%s pruned: %v", id, err)
			}
		}
	}},
}

// pruneAll calls prune as the engine's pruner does over the minutes, until two calls in a
// row delete nothing (a call may make progress without deleting: it went past entries it
// must keep), and returns how many it deleted.
func pruneAll(t *testing.T, prune func() (int, error)) int {
	t.Helper()
	total, idle := 0, 0
	for range 100 {
		n, err := prune()
		must(t, err, "prune")
		total += n
		if n == 0 {
			if idle++; idle == 2 {
				return total
			}
		} else {
			idle = 0
		}
	}
	t.Fatal("prunes never settled")
	return total
}
