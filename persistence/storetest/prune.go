package storetest

import (
	"fmt"
	"testing"

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
}
