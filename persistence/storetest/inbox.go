package storetest

import (
	"slices"
	"testing"

	"github.com/switchboard/switchboard/persistence"
)

// allPending pages through Pending with the given page size and returns every entry.
func allPending(t *testing.T, in persistence.Inbox, pageSize int) []persistence.InboxEntry {
	t.Helper()
	var all []persistence.InboxEntry
	after := ""
	for {
		page, err := in.Pending(t.Context(), after, pageSize)
		must(t, err, "pending after %q", after)
		if len(page) > pageSize {
			t.Fatalf("pending after %q: %d entries, limit %d", after, len(page), pageSize)
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all
		}
		after = page[len(page)-1].ID
	}
}

func wantPendingIDs(t *testing.T, in persistence.Inbox, want []string) {
	t.Helper()
	got := entryIDs(allPending(t, in, 1000))
	if !slices.Equal(got, want) {
		t.Fatalf("pending ids:\n got %v\nwant %v", got, want)
	}
}

func idRange(from, to int) []string {
	var out []string
	for n := from; n < to; n++ {
		out = append(out, inboxID(n))
	}
	return out
}

var inboxContracts = []contract{
	{"inbox/append a batch of 100", func(t *testing.T, s persistence.Store) {
		in, ctx := s.Inbox(), t.Context()
		must(t, in.Append(ctx, nil), "append nothing")
		entries := newEntries(0, 100)
		must(t, in.Append(ctx, entries), "append 100")
		got, err := in.Pending(ctx, "", 1000)
		must(t, err, "pending")
		wantEqual(t, got, entries, "pending after append")
		wantUTC(t, got[0].ReceivedAt, "receivedAt")
	}},
	{"inbox/duplicate id writes nothing", func(t *testing.T, s persistence.Store) {
		in, ctx := s.Inbox(), t.Context()
		must(t, in.Append(ctx, newEntries(0, 3)), "append")
		clash := newEntry(1)
		clash.Body = []byte(`{"clash":true}`)

		batch := append(newEntries(3, 6), clash)
		batch = append(batch, newEntries(6, 9)...)
		wantErr(t, in.Append(ctx, batch), persistence.ErrConflict, "batch holding a stored id")
		wantErr(t, in.Append(ctx, []persistence.InboxEntry{newEntry(20), newEntry(21), newEntry(20)}),
			persistence.ErrConflict, "batch holding one id twice")
		got, err := in.Pending(ctx, "", 100)
		must(t, err, "pending")
		wantEqual(t, got, newEntries(0, 3), "only the first append is stored, unchanged")
	}},
	{"inbox/pending order and paging", func(t *testing.T, s persistence.Store) {
		in, ctx := s.Inbox(), t.Context()
		// Separate appends, out of id order: Pending still answers in id order.
		for _, batch := range [][]int{{7, 3}, {9}, {1, 5, 0}, {8, 2, 6, 4}} {
			var es []persistence.InboxEntry
			for _, n := range batch {
				es = append(es, newEntry(n))
			}
			must(t, in.Append(ctx, es), "append %v", batch)
		}
		for _, size := range []int{1, 3, 10, 11} {
			got := allPending(t, in, size)
			wantEqual(t, got, newEntries(0, 10), "pages of %d", size)
		}
		got, err := in.Pending(ctx, inboxID(4), 3)
		must(t, err, "pending after 4")
		wantEqual(t, entryIDs(got), idRange(5, 8), "after id 4, limit 3")
		got, err = in.Pending(ctx, "in-000004x", 2) // afterID need not be stored
		must(t, err, "pending after unstored id")
		wantEqual(t, entryIDs(got), idRange(5, 7), "after unstored id")
		got, err = in.Pending(ctx, inboxID(9), 10)
		must(t, err, "pending after last")
		if len(got) != 0 {
			t.Fatalf("pending after last id: %v", entryIDs(got))
		}
	}},
	{"inbox/mark processed in one call of 95", func(t *testing.T, s persistence.Store) {
		in, ctx := s.Inbox(), t.Context()
		must(t, in.Append(ctx, newEntries(0, 100)), "append")
		// 95 > MaxDocsPerUpdate: sent as one update command this can wedge FerretDB (where it
		// starts depends on its backend and document sizes; persistence/mongo checks the
		// bound on the wire).
		marked := append(idRange(0, 50), idRange(55, 100)...)
		must(t, in.MarkProcessed(ctx, marked), "mark 95")
		wantPendingIDs(t, in, idRange(50, 55))

		must(t, in.MarkProcessed(ctx, nil), "mark nothing")
		must(t, in.MarkProcessed(ctx, []string{inboxID(52), "in-unknown", inboxID(3)}), "mark with unknown and done ids")
		wantPendingIDs(t, in, []string{inboxID(50), inboxID(51), inboxID(53), inboxID(54)})
		got, err := in.Pending(ctx, inboxID(50), 1)
		must(t, err, "pending after 50")
		wantEqual(t, entryIDs(got), []string{inboxID(51)}, "paging skips processed entries")
		got, err = in.Pending(ctx, inboxID(51), 1)
		must(t, err, "pending after 51")
		wantEqual(t, entryIDs(got), []string{inboxID(53)}, "paging skips processed entries")

		must(t, in.Append(ctx, newEntries(100, 102)), "append after marking")
		wantPendingIDs(t, in, []string{inboxID(50), inboxID(51), inboxID(53), inboxID(54), inboxID(100), inboxID(101)})
		wantErr(t, in.Append(ctx, []persistence.InboxEntry{newEntry(7)}), persistence.ErrConflict, "processed id re-appended")
	}},
}

var deadLetterContracts = []contract{
	{"dead letters/store, list and re-store", func(t *testing.T, s persistence.Store) {
		in, ctx := s.Inbox(), t.Context()
		must(t, in.DeadLetter(ctx, nil), "store nothing")
		got, err := in.DeadLetters(ctx, "", 10)
		must(t, err, "list empty")
		if len(got) != 0 {
			t.Fatalf("dead letters before any: %+v", got)
		}
		first := []persistence.DeadLetter{
			newDeadLetter(3, "unknown phone number id"),
			newDeadLetter(1, "unparseable change"),
			newDeadLetter(2, "unknown phone number id"),
		}
		must(t, in.DeadLetter(ctx, first), "store 3")
		// Processing retries after a crash store the same letters again, with new ones.
		again := []persistence.DeadLetter{newDeadLetter(2, "second reason"), newDeadLetter(4, "new")}
		must(t, in.DeadLetter(ctx, again), "re-store")
		must(t, in.DeadLetter(ctx, again), "re-store twice")

		want := []persistence.DeadLetter{first[1], first[2], first[0], again[1]}
		got, err = in.DeadLetters(ctx, "", 10)
		must(t, err, "list")
		wantEqual(t, got, want, "dead letters in id order, first reason kept")
		got, err = in.DeadLetters(ctx, want[1].ID, 2)
		must(t, err, "list after")
		wantEqual(t, got, want[2:4], "dead letters after %s", want[1].ID)
	}},
}
