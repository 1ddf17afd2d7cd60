package embedded

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
)

// scanFactor bounds how many old entries a prune examines per deletion it may make, so a
// run of old pending entries (a paused tenant's queue) never turns one prune into a walk of
// the whole file inside a write transaction others queue behind.
const scanFactor = 4

// pruneCursor is where the next prune of a file goes on from. Each call examines at most
// scanFactor×limit entries; without a resume point, a run of that many old entries that may
// not be deleted (unprocessed webhooks, unsettled sends) at the front of the file would stop
// every later prune in the same place, and the file would grow for good.
type pruneCursor struct {
	mu   sync.Mutex
	from []byte // nil: from the first key
}

// run runs one prune from where the last stopped; prune returns how many it deleted and
// where the next goes on (nil: it reached the end or the cutoff, and the next starts over).
// A failed prune leaves the cursor where it was.
func (p *pruneCursor) run(prune func(from []byte) (deleted int, next []byte, err error)) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	deleted, next, err := prune(p.from)
	if err == nil {
		p.from = next
	}
	return deleted, err
}

// PruneProcessed walks the inbox from where the last prune stopped (ids sort by arrival) and
// deletes processed entries received before before.
func (in inbox) PruneProcessed(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, nil
	}
	return in.s.inboxPrune.run(func(from []byte) (deleted int, next []byte, err error) {
		err = in.s.inboxBatch(ctx, "prune inbox", func(tx *txn) error {
			deleted, next = 0, nil // a write may run more than once; only the answered run counts
			all, pending := bucket(tx, bucketInbox), bucket(tx, bucketInboxPending)
			var doomed [][]byte
			c, seen := all.Cursor(), 0
			for k, v := seek(c, from); k != nil; k, v = c.Next() {
				if len(doomed) >= limit || seen >= scanFactor*limit {
					next = append([]byte(nil), k...)
					break
				}
				seen++
				h, err := decodeInboxEntry(v, false)
				if err != nil {
					return err
				}
				if !h.ReceivedAt.Before(before) {
					break // every later entry arrived later still: start over next time
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
		return deleted, next, err
	})
}

// PruneSettled walks the outbox from where the last prune stopped and deletes sent and
// failed messages created before before, with their index entries. Ids made by the engine
// sort by creation, but those named by an Idempotency-Key (ids.Keyed) do not, and sort
// anywhere: reaching a recent engine-made id skips the rest of the recent ones, not the
// keys beyond them, and a recent keyed id is passed over.
func (o outbox) PruneSettled(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit < 1 {
		return 0, nil
	}
	// Engine-made ids of the last hour and beyond (clocks) sort before this key.
	recentEnd := []byte(ids.Floor(time.Now().Add(time.Hour)))
	return o.s.outboxPrune.run(func(from []byte) (deleted int, next []byte, err error) {
		err = o.s.outboxBatch(ctx, "prune outbox", func(tx *txn) error {
			deleted, next = 0, nil // a write may run more than once; only the answered run counts
			all, byState := bucket(tx, bucketOutbox), bucket(tx, bucketOutboxByState)
			var doomed []persistence.OutboxMessage
			c, seen := all.Cursor(), 0
			for k, v := seek(c, from); k != nil; {
				if len(doomed) >= limit || seen >= scanFactor*limit {
					next = append([]byte(nil), k...)
					break
				}
				seen++
				m, err := decodeOutbox(v, false)
				if err != nil {
					return fmt.Errorf("decode outbox message %q: %w", k, err)
				}
				switch {
				case m.CreatedAt.Before(before):
					if m.State.Settled() {
						doomed = append(doomed, m)
					}
				case ids.TimeOrdered(m.ID, m.CreatedAt) && bytes.Compare(k, recentEnd) < 0:
					// Every engine-made id from here to recentEnd is recent too.
					k, v = c.Seek(recentEnd)
					continue
				}
				k, v = c.Next()
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
		return deleted, next, err
	})
}

// seek positions c at from, or at the first key when from is nil.
func seek(c *bolt.Cursor, from []byte) ([]byte, []byte) {
	if from == nil {
		return c.First()
	}
	return c.Seek(from)
}
