package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// outboxRowWhen waits until the message's outbox row satisfies cond and returns it. A
// deadline per read: one shared by the whole poll would fail every read after it.
func outboxRowWhen(t *testing.T, r *metaRig, id string, cond func(persistence.OutboxMessage) bool) persistence.OutboxMessage {
	t.Helper()
	var (
		row persistence.OutboxMessage
		err error
	)
	eventually(t, 30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		row, err = r.Engine.Store().Outbox().Get(ctx, id)
		return err == nil && cond(row)
	}, func() string { return fmt.Sprintf("outbox row %s: %+v (%v)", id, row, err) })
	return row
}

// holdsFor checks that cond holds for the whole of d, failing as soon as it does not: for
// what must NOT happen, when nothing positive shows that it never will. The caller says why
// d is long enough.
func holdsFor(t *testing.T, d time.Duration, cond func() bool, what func() string) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if !cond() {
			t.Fatal(what())
		}
	}
	if !cond() {
		t.Fatal(what())
	}
}
