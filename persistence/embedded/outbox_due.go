package embedded

import (
	"bytes"
	"context"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// dueProbe bounds how many of a tenant's queued rows DueTenants reads to find one due: the
// index orders them by creation, not by NextAttemptAt, and a queue may hold millions. A
// tenant whose first dueProbe rows all wait for a retry counts as due (the interface allows
// it: waking a tenant early costs an activation, not a send).
const dueProbe = 64

// DueTenants walks the pending index one tenant at a time: a seek past each tenant's keys
// skips its rows, so a round reads a few keys per tenant, not its whole queue.
func (o outbox) DueTenants(ctx context.Context, now time.Time, after string, limit int) ([]string, error) {
	var out []string
	if limit < 1 {
		return nil, nil
	}
	err := o.s.outboxView(ctx, "list due tenants", func(tx *txn) error {
		c := bucket(tx, bucketOutboxByState).b.Cursor()
		var k []byte
		if after == "" {
			k, _ = c.First()
		} else {
			k, _ = c.Seek(pastTenant(after))
		}
		for k != nil && len(out) < limit {
			tenant, _, _ := bytes.Cut(k, []byte{sep})
			id := string(tenant) // a copy: k is the store's memory, valid in this transaction only
			due, err := tenantDue(tx, id, now)
			if err != nil {
				return err
			}
			if due {
				out = append(out, id)
			}
			k, _ = c.Seek(pastTenant(id))
		}
		return nil
	})
	return out, err
}

// pastTenant is the first key after every key of tenant's (prefix ends in sep, 0).
func pastTenant(tenant string) []byte {
	return append([]byte(tenant), sep+1)
}

// tenantDue reports whether tenant holds a sending, unknown or retryable row, or a queued one
// whose time has come (within dueProbe rows).
func tenantDue(tx *txn, tenant string, now time.Time) (bool, error) {
	c := bucket(tx, bucketOutboxByState).b.Cursor()
	for _, state := range []persistence.OutboxState{persistence.OutboxSending, persistence.OutboxUnknown, persistence.OutboxRetryable} {
		pre := prefix(tenant, string(state))
		if k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre) {
			return true, nil
		}
	}
	pre := prefix(tenant, string(persistence.OutboxQueued))
	read := 0
	for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = c.Next() {
		if read == dueProbe {
			return true, nil
		}
		read++
		var m persistence.OutboxMessage
		if err := outboxRow(tx, orderKeyID(k[len(pre):]), &m, false); err != nil {
			return false, err
		}
		if !m.NextAttemptAt.After(now) {
			return true, nil
		}
	}
	return false, nil
}
