package embedded

import (
	"bytes"
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/switchboard/switchboard/persistence"
)

func outboxRowAt(id string, state persistence.OutboxState, at time.Time) persistence.OutboxMessage {
	return persistence.OutboxMessage{ID: id, TenantID: "t1", ConversationID: "t1_551199", PhoneNumberID: "p1",
		Recipient: "+551199", State: state, Request: []byte(`{"messaging_product":"whatsapp","to":"+551199"}`),
		NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}
}

func openForTest(t *testing.T) (*Store, context.Context) {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return s, ctx
}

// indexKeys lists the by-state index.
func indexKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var keys []string
	err := viewRaw(s.outbox, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketOutboxByState)).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// Rows written as plain JSON (before rows were framed, and before final states left the
// index) read, move and prune like new ones; a row they rewrite gets a binary header.
func TestOutboxRowsWrittenAsJSONStillWork(t *testing.T) {
	s, ctx := openForTest(t)
	old := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	queued, sent := outboxRowAt("m1", persistence.OutboxQueued, old), outboxRowAt("m0", persistence.OutboxSent, old.Add(-time.Hour))
	err := s.outbox.group.do(func(tx *txn) error {
		for _, m := range []persistence.OutboxMessage{queued, sent} {
			v, err := encode(m) // the old format: the whole row as JSON
			if err != nil {
				return err
			}
			if err := bucket(tx, bucketOutbox).Put([]byte(m.ID), v); err != nil {
				return err
			}
			if err := bucket(tx, bucketOutboxByState).Put(stateKey(m), []byte{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	o := s.Outbox()
	got, err := o.Get(ctx, "m1")
	if err != nil || got.State != queued.State || !bytes.Equal(got.Request, queued.Request) || !got.CreatedAt.Equal(old) {
		t.Fatalf("old row read back as %+v, %v", got, err)
	}
	if rows, err := o.ListByState(ctx, "t1", persistence.OutboxQueued, 10); err != nil || len(rows) != 1 || rows[0].ID != "m1" {
		t.Fatalf("old queued row not listed: %v %v", rows, err)
	}
	claim := got
	claim.State, claim.Attempts = persistence.OutboxSending, 1
	if err := o.Transition(ctx, persistence.OutboxQueued, claim); err != nil {
		t.Fatalf("claim an old row: %v", err)
	}
	err = viewRaw(s.outbox, func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte(bucketOutbox)).Get([]byte("m1")); len(v) == 0 || v[0] != outboxExpiring {
			t.Errorf("a rewritten row has no binary header: %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := o.Get(ctx, "m1"); err != nil || got.State != persistence.OutboxSending || !bytes.Equal(got.Request, queued.Request) {
		t.Fatalf("framed row read back as %+v, %v", got, err)
	}

	// The old sent row had an index entry; pruning deletes it with the row.
	if n, err := o.PruneSettled(ctx, old, 10); err != nil || n != 1 {
		t.Fatalf("prune: %d %v, want the old sent row", n, err)
	}
	if keys := indexKeys(t, s); len(keys) != 1 || !bytes.HasSuffix([]byte(keys[0]), []byte("m1")) {
		t.Fatalf("index after prune: %q, want only m1 (sending)", keys)
	}
}

// Only pending messages are indexed: a message that reaches sent or failed leaves the index.
func TestSettledOutboxRowsLeaveTheIndex(t *testing.T) {
	s, ctx := openForTest(t)
	now := time.Now().UTC()
	o := s.Outbox()
	rows := []persistence.OutboxMessage{outboxRowAt("a", persistence.OutboxQueued, now), outboxRowAt("b", persistence.OutboxQueued, now)}
	if err := o.Enqueue(ctx, rows); err != nil {
		t.Fatal(err)
	}
	for i, final := range []persistence.OutboxState{persistence.OutboxSent, persistence.OutboxFailed} {
		m := rows[i]
		for _, step := range []struct{ from, to persistence.OutboxState }{
			{persistence.OutboxQueued, persistence.OutboxSending},
			{persistence.OutboxSending, persistence.OutboxUnknown},
			{persistence.OutboxUnknown, final},
		} {
			m.State = step.to
			if err := o.Transition(ctx, step.from, m); err != nil {
				t.Fatalf("%s: %s → %s: %v", m.ID, step.from, step.to, err)
			}
			if !pendingState(step.to) {
				continue
			}
			if listed, err := o.ListByState(ctx, "t1", step.to, 10); err != nil || len(listed) != 1 || listed[0].ID != m.ID {
				t.Fatalf("%s in %s: listed %v, %v", m.ID, step.to, listed, err)
			}
		}
	}
	if keys := indexKeys(t, s); len(keys) != 0 {
		t.Fatalf("settled messages still indexed: %q", keys)
	}
	if got, err := o.Get(ctx, "b"); err != nil || got.State != persistence.OutboxFailed {
		t.Fatalf("failed row: %+v %v", got, err)
	}
}
