package embedded

import (
	"bytes"
	"context"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

// outbox keeps messages by id (outbox_codec.go) plus an index of pending messages by
// (tenant, state, createdAt, id) that makes ListByState a prefix walk. Transition moves the
// index entry in the same transaction; a message reaching a final state leaves the index.
type outbox struct{ s *Store }

func stateKey(m persistence.OutboxMessage) []byte {
	return append(prefix(m.TenantID, string(m.State)), orderKey(m.CreatedAt, m.ID)...)
}

func (o outbox) Enqueue(ctx context.Context, msgs []persistence.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	vals := make([][]byte, len(msgs))
	seen := make(map[string]struct{}, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		if _, dup := seen[m.ID]; dup {
			return fmt.Errorf("embedded: enqueue: id %q twice in one enqueue: %w", m.ID, persistence.ErrConflict)
		}
		seen[m.ID] = struct{}{}
		vals[i] = encodeOutbox(outboxUTC(*m, persistence.EnqueueState(*m)))
	}
	return o.s.outboxBatch(ctx, "enqueue", func(tx *txn) error {
		all, byState := bucket(tx, bucketOutbox), bucket(tx, bucketOutboxByState)
		for _, m := range msgs {
			if all.Get([]byte(m.ID)) != nil {
				return fmt.Errorf("outbox id %q: %w", m.ID, persistence.ErrConflict)
			}
		}
		for i, m := range msgs {
			m = outboxUTC(m, persistence.EnqueueState(m))
			if err := putAll(put{all, []byte(m.ID), vals[i]}, put{byState, stateKey(m), nil}); err != nil {
				return err
			}
		}
		return nil
	})
}

// outboxUTC returns m in state, with its times in UTC (what both backends store).
func outboxUTC(m persistence.OutboxMessage, state persistence.OutboxState) persistence.OutboxMessage {
	m.State = state
	m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = m.NextAttemptAt.UTC(), m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m
}

func (o outbox) Get(ctx context.Context, id string) (persistence.OutboxMessage, error) {
	var m persistence.OutboxMessage
	err := o.s.outboxView(ctx, "get outbox message", func(tx *txn) error {
		return outboxByID(tx, id, &m)
	})
	return m, err
}

func outboxByID(tx *txn, id string, m *persistence.OutboxMessage) error {
	return outboxRow(tx, id, m, true)
}

// outboxRow reads a row, with its request body or not.
func outboxRow(tx *txn, id string, m *persistence.OutboxMessage, withRequest bool) error {
	v := bucket(tx, bucketOutbox).Get([]byte(id))
	if v == nil {
		return fmt.Errorf("outbox message %q: %w", id, persistence.ErrNotFound)
	}
	var err error
	if *m, err = decodeOutbox(v, withRequest); err != nil {
		return fmt.Errorf("decode outbox message %q: %w", id, err)
	}
	return nil
}

// Transition checks the stored state and writes in one transaction; bbolt's single writer
// makes that an atomic compare-and-swap.
func (o outbox) Transition(ctx context.Context, from persistence.OutboxState, m persistence.OutboxMessage) error {
	m = outboxUTC(m, m.State)
	val := encodeOutbox(m)
	return o.s.outboxBatch(ctx, "transition", func(tx *txn) error {
		var cur persistence.OutboxMessage
		if err := outboxRow(tx, m.ID, &cur, false); err != nil {
			return err
		}
		if cur.State != from {
			return fmt.Errorf("outbox message %q is %s, not %s: %w", m.ID, cur.State, from, persistence.ErrVersionConflict)
		}
		byState := bucket(tx, bucketOutboxByState)
		// Unconditional: rows written before final states left the index still have entries.
		if err := byState.Delete(stateKey(cur)); err != nil {
			return err
		}
		puts := []put{{bucket(tx, bucketOutbox), []byte(m.ID), val}}
		if pendingState(m.State) {
			puts = append(puts, put{byState, stateKey(m), nil})
		}
		return putAll(puts...)
	})
}

func (o outbox) CountPending(ctx context.Context, tenantID string, limit int) (int, error) {
	n := 0
	err := o.s.outboxView(ctx, "count pending outbox", func(tx *txn) error {
		c := bucket(tx, bucketOutboxByState).Cursor()
		for _, state := range persistence.PendingStates {
			pre := prefix(tenantID, string(state))
			for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre) && n < limit; k, _ = c.Next() {
				n++
			}
		}
		return nil
	})
	return n, err
}

func (o outbox) ListByState(ctx context.Context, tenantID string, state persistence.OutboxState, limit int) ([]persistence.OutboxMessage, error) {
	var out []persistence.OutboxMessage
	pre := prefix(tenantID, string(state))
	err := o.s.outboxView(ctx, "list outbox by state", func(tx *txn) error {
		c := bucket(tx, bucketOutboxByState).Cursor()
		for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre) && len(out) < limit; k, _ = c.Next() {
			var m persistence.OutboxMessage
			if err := outboxByID(tx, orderKeyID(k[len(pre):]), &m); err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}
