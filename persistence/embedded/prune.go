package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// scanFactor bounds how many old entries a prune examines per deletion it may make, so a
// run of old pending entries (a paused tenant's queue) never turns one prune into a walk of
// the whole file inside a write transaction others queue behind.
const scanFactor = 4

// PruneProcessed walks the inbox from its oldest entry (ids sort by arrival) and deletes
// processed entries received before before.
func (in inbox) PruneProcessed(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, nil
	}
	var deleted int
	err := in.s.inboxBatch(ctx, "prune inbox", func(tx *txn) error {
		deleted = 0
		all, pending := bucket(tx, bucketInbox), bucket(tx, bucketInboxPending)
		var doomed [][]byte
		c, seen := all.Cursor(), 0
		for k, v := c.First(); k != nil && len(doomed) < limit && seen < scanFactor*limit; k, v = c.Next() {
			seen++
			h, err := decodeInboxEntry(v, false)
			if err != nil {
				return err
			}
			if !h.ReceivedAt.Before(before) {
				break
			}
			if pending.Get(k) == nil {
				doomed = append(doomed, append([]byte(nil), k...))
			}
		}
		for _, k := range doomed {
			if err := all.Delete(k); err != nil {
				return err
			}
		}
		deleted = len(doomed)
		return nil
	})
	return deleted, err
}

// PruneSettled walks the outbox from its oldest message (ids sort by creation) and deletes
// sent and failed messages created before before, with their index entries.
func (o outbox) PruneSettled(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, nil
	}
	var deleted int
	err := o.s.outboxBatch(ctx, "prune outbox", func(tx *txn) error {
		deleted = 0
		all, byState := bucket(tx, bucketOutbox), bucket(tx, bucketOutboxByState)
		var doomed []persistence.OutboxMessage
		c, seen := all.Cursor(), 0
		for k, v := c.First(); k != nil && len(doomed) < limit && seen < scanFactor*limit; k, v = c.Next() {
			seen++
			m, err := decodeOutbox(v, false)
			if err != nil {
				return fmt.Errorf("decode outbox message %q: %w", k, err)
			}
			if !m.CreatedAt.Before(before) {
				break
			}
			if m.State.Settled() {
				doomed = append(doomed, m)
			}
		}
		for _, m := range doomed {
			if err := all.Delete([]byte(m.ID)); err != nil {
				return err
			}
			// Rows settled before final states left the index still have an entry.
			if err := byState.Delete(stateKey(m)); err != nil {
				return err
			}
		}
		deleted = len(doomed)
		return nil
	})
	return deleted, err
}
