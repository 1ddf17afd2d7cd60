package embedded

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/switchboard/switchboard/persistence"
)

// A data directory from before the outbox had its own file keeps its rows in the main file:
// opening it moves them, queued ones stay listable, and the old buckets are gone.
func TestOpenMovesOutboxRowsOutOfTheMainFile(t *testing.T) {
	dir := t.TempDir()
	old, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	rows := []persistence.OutboxMessage{
		{ID: "m1", TenantID: "t1", State: persistence.OutboxQueued, PhoneNumberID: "p", Recipient: "+1", Request: []byte(`{"a":1}`), CreatedAt: now, UpdatedAt: now, NextAttemptAt: now},
		{ID: "m2", TenantID: "t1", State: persistence.OutboxSending, PhoneNumberID: "p", Recipient: "+1", Request: []byte(`{"a":2}`), CreatedAt: now.Add(time.Second), UpdatedAt: now, NextAttemptAt: now},
	}
	err = old.Update(func(tx *bolt.Tx) error {
		all, err := tx.CreateBucket([]byte(bucketOutbox))
		if err != nil {
			return err
		}
		byState, err := tx.CreateBucket([]byte(bucketOutboxByState))
		if err != nil {
			return err
		}
		for _, m := range rows {
			v, err := encode(m)
			if err != nil {
				return err
			}
			if err := all.Put([]byte(m.ID), v); err != nil {
				return err
			}
			if err := byState.Put(stateKey(m), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	for range 2 { // the second open finds nothing left to move
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		queued, err := s.Outbox().ListByState(ctx, "t1", persistence.OutboxQueued, 10)
		if err != nil || len(queued) != 1 || queued[0].ID != "m1" || string(queued[0].Request) != `{"a":1}` {
			t.Fatalf("queued after the move = %+v, %v; want m1", queued, err)
		}
		sending, err := s.Outbox().ListByState(ctx, "t1", persistence.OutboxSending, 10)
		if err != nil || len(sending) != 1 || sending[0].ID != "m2" {
			t.Fatalf("sending after the move = %+v, %v; want m2", sending, err)
		}
		err = viewRaw(s.main, func(tx *bolt.Tx) error {
			if tx.Bucket([]byte(bucketOutbox)) != nil || tx.Bucket([]byte(bucketOutboxByState)) != nil {
				return errors.New("outbox buckets still in the main file")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
