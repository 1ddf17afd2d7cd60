package embedded

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

// inbox keeps every entry in bucketInbox and the ids of unprocessed ones in
// bucketInboxPending, so replay seeks straight to the unprocessed tail instead of walking
// everything Meta ever sent.
type inbox struct{ s *Store }

// Append goes through bbolt's Batch: concurrent webhook requests share one transaction and
// one fsync, and each still gets its own answer (a conflicting batch is retried alone by
// bbolt, so one bad request does not fail its neighbours).
func (in inbox) Append(ctx context.Context, entries []persistence.InboxEntry) error {
	if len(entries) == 0 {
		return nil
	}
	vals := make([][]byte, len(entries))
	seen := make(map[string]struct{}, len(entries))
	for i, e := range entries {
		if _, dup := seen[e.ID]; dup {
			return fmt.Errorf("embedded: append inbox: id %q twice in one append: %w", e.ID, persistence.ErrConflict)
		}
		seen[e.ID] = struct{}{}
		e.ReceivedAt = e.ReceivedAt.UTC()
		vals[i] = encodeInboxEntry(e)
	}
	return in.s.inboxBatch(ctx, "append inbox", func(tx *txn) error {
		all, pending := bucket(tx, bucketInbox), bucket(tx, bucketInboxPending)
		// Check every id before the first put, so a conflict writes nothing even before the
		// rollback that follows it.
		for _, e := range entries {
			if all.Get([]byte(e.ID)) != nil {
				return fmt.Errorf("inbox id %q: %w", e.ID, persistence.ErrConflict)
			}
		}
		for i, e := range entries {
			puts := []put{{all, []byte(e.ID), vals[i]}}
			if !e.Processed {
				puts = append(puts, put{pending, []byte(e.ID), nil})
			}
			if err := putAll(puts...); err != nil {
				return err
			}
		}
		return nil
	})
}

func (in inbox) MarkProcessed(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	// An entry is processed when its id leaves the pending index; the entry itself, the raw
	// body, is never rewritten (that would re-encode every body inside the inbox's write
	// transaction, which webhook acknowledgements queue behind).
	return in.s.inboxBatch(ctx, "mark processed", func(tx *txn) error {
		pending := bucket(tx, bucketInboxPending)
		for _, id := range ids {
			if err := pending.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (in inbox) Pending(ctx context.Context, afterID string, limit int) ([]persistence.InboxEntry, error) {
	var out []persistence.InboxEntry
	err := in.s.inboxView(ctx, "pending inbox", func(tx *txn) error {
		all := bucket(tx, bucketInbox)
		return after(bucket(tx, bucketInboxPending), afterID, limit, func(id []byte) error {
			v := all.Get(id)
			if v == nil {
				return fmt.Errorf("pending id %q has no inbox entry", id)
			}
			e, err := decodeInboxEntry(v, true)
			if err != nil {
				return fmt.Errorf("inbox entry %q: %w", id, err)
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

func (in inbox) DeadLetter(ctx context.Context, letters []persistence.DeadLetter) error {
	if len(letters) == 0 {
		return nil
	}
	vals := make([][]byte, len(letters))
	for i, l := range letters {
		l.ReceivedAt = l.ReceivedAt.UTC()
		v, err := encode(l)
		if err != nil {
			return fmt.Errorf("embedded: dead letter: %w", err)
		}
		vals[i] = v
	}
	return in.s.inboxBatch(ctx, "dead letter", func(tx *txn) error {
		b := bucket(tx, bucketDeadLetters)
		for i, l := range letters {
			if b.Get([]byte(l.ID)) != nil {
				continue // stored before: keep the first reason, as promised
			}
			if err := b.Put([]byte(l.ID), vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (in inbox) DeadLetters(ctx context.Context, afterID string, limit int) ([]persistence.DeadLetter, error) {
	var out []persistence.DeadLetter
	err := in.s.inboxView(ctx, "dead letters", func(tx *txn) error {
		b := bucket(tx, bucketDeadLetters)
		return after(b, afterID, limit, func(id []byte) error {
			var l persistence.DeadLetter
			if _, err := get(b, id, &l); err != nil {
				return err
			}
			out = append(out, l)
			return nil
		})
	})
	return out, err
}

// after calls fn with up to limit keys of b greater than afterID, in key order, starting
// with a cursor seek rather than a walk from the first key.
func after(b bkt, afterID string, limit int, fn func(key []byte) error) error {
	c := b.Cursor()
	k, _ := c.Seek([]byte(afterID))
	if k != nil && string(k) == afterID {
		k, _ = c.Next()
	}
	for n := 0; k != nil && n < limit; k, _ = c.Next() {
		if err := fn(k); err != nil {
			return err
		}
		n++
	}
	return nil
}
