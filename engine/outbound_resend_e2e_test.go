package engine_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/persistence"
)

// Meta accepts a reply and then fails it in a status webhook with its own trouble (131000):
// the engine sends it again, once, and the message follows the second attempt to read,
// naming the first as retracted. A failure about the message (131026 undeliverable) is
// final: sent once, failed.
func stepAsyncFailureResent(t *testing.T, r *metaRig) {
	conv := r.customerWrites(t, r.tenantA, phoneA, userWaID)
	r.meta.FailNextAsync(phoneA, 131000, 1, fakemeta.To(userWaID))
	q := r.send(t, r.agent, conv, "Seu pedido saiu para entrega")
	var m messageView
	eventually(t, 30*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, conv, q.ID)
		return m.Status == "read"
	}, func() string { return fmt.Sprintf("message never read after Meta failed it once: %+v", m) })
	var wamids []string
	for _, s := range r.meta.Sent(phoneA) {
		if s.BizOpaqueCallbackData == q.ID {
			wamids = append(wamids, s.WAMID)
		}
	}
	if len(wamids) != 2 {
		t.Fatalf("fakemeta received the message %d times, want 2 (once failed by Meta, once again)", len(wamids))
	}
	if m.WAMID != wamids[1] || !slices.Equal(m.RetractedWAMIDs, wamids[:1]) || m.Error != nil {
		t.Fatalf("message %+v, fakemeta's wamids %v", m, wamids)
	}

	r.meta.FailNextAsync(phoneA, 131026, 1, fakemeta.To(userWaID))
	q = r.send(t, r.agent, conv, "Podemos ajudar em algo mais?")
	eventually(t, 30*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, conv, q.ID)
		return m.Status == "failed"
	}, func() string { return fmt.Sprintf("undeliverable message never failed: %+v", m) })
	if m.Error == nil || m.Error.Code != 131026 {
		t.Fatalf("undeliverable message %+v", m)
	}
	// As in stepWindowFailed: the row stays sent with the attempt Meta failed; a resend
	// would retract it and go after resendWait(0), at most a second after the decision.
	outboxRowWhen(t, r, q.ID, func(row persistence.OutboxMessage) bool {
		return row.State == persistence.OutboxSent && row.WAMID == m.WAMID
	})
	holdsFor(t, 1500*time.Millisecond, func() bool { return sentTimes(r.meta, phoneA)[q.ID] == 1 },
		func() string {
			return fmt.Sprintf("undeliverable message sent %d times", sentTimes(r.meta, phoneA)[q.ID])
		})
}
