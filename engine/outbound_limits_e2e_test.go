package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/persistence"
)

// Meta's throughput limit is far below the tenant's setting (5 against 80 per second): the
// engine meets a storm of 130429, slows the number down, and every message is eventually
// accepted exactly once — without hammering Meta.
func stepThroughputStorm(t *testing.T, r *metaRig, tenantB persistence.Tenant) {
	const users, each = 4, 5
	r.meta.SetThroughput(phoneB, 5)
	defer r.meta.SetThroughput(phoneB, 0)
	var convs []string
	for u := range users {
		convs = append(convs, r.customerWrites(t, tenantB.ID, phoneB, fmt.Sprintf("4477009001%02d", u)))
	}
	before := sentTimes(r.meta, phoneB)
	var ids []string
	for i := range each {
		for _, conv := range convs {
			ids = append(ids, r.send(t, r.admin, conv, fmt.Sprint("storm ", i)).ID)
		}
	}
	eventually(t, 60*time.Second, func() bool {
		n := sentTimes(r.meta, phoneB)
		for _, id := range ids {
			if n[id] != 1 {
				return false
			}
		}
		return true
	}, func() string {
		n := sentTimes(r.meta, phoneB)
		missing := 0
		for _, id := range ids {
			if n[id] == 0 {
				missing++
			}
		}
		return fmt.Sprintf("%d of %d messages not accepted; errors %v", missing, len(ids), r.meta.Stats().Numbers[phoneB].Errors)
	})
	for id, n := range sentTimes(r.meta, phoneB) {
		if n != 1 && before[id] == 0 {
			t.Fatalf("message %s accepted %d times", id, n)
		}
	}
	st := r.meta.Stats().Numbers[phoneB]
	throttled := st.Errors[130429]
	if throttled == 0 {
		t.Fatal("no 130429 met: the storm did not happen")
	}
	if throttled > int64(4*len(ids)) {
		t.Fatalf("%d throughput errors for %d messages: the number was hammered, not slowed", throttled, len(ids))
	}
	t.Logf("%d messages through a 5/s number: %d × 130429, busiest second %d", len(ids), throttled, st.MaxPerSecond)
	var at []string
	for _, m := range r.meta.Sent(phoneB) {
		at = append(at, m.At.Format("05.000"))
	}
	t.Logf("accepted at %v", at)
}

// Meta accepts a send but its answer is lost — the connection closes, or a proxy on the way
// back answers with an error page instead of Graph's envelope: the engine must not resend
// blindly. It parks the message as unknown; Meta's status webhooks carry our id, which
// settles it as sent — once.
func stepLostAnswer(t *testing.T, r *metaRig) {
	for _, tc := range []struct {
		name   string
		status int // 0: the connection closes
	}{
		{"connection closed", 0},
		{"a proxy's 502 page", 502},
		{"a gateway timeout", 504},
	} {
		t.Run(tc.name, func(t *testing.T) { lostAnswer(t, r, tc.status) })
	}
}

func lostAnswer(t *testing.T, r *metaRig, status int) {
	conv := actors.ConversationID(r.tenantA, userWaID)
	r.meta.OpenWindow(phoneA, userWaID)
	r.meta.GatewayErrorNextResponses(phoneA, status, 1, fakemeta.To(userWaID))
	// Meta's webhooks lag behind the sender's retry backoff (about a second): a sender that
	// took the lost answer for a refusal would have sent again before any status came.
	r.meta.DelayNextStatuses(phoneA, 3*time.Second, 1, fakemeta.To(userWaID))
	q := r.send(t, r.agent, conv, "did this arrive?")
	var m messageView
	eventually(t, 30*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, conv, q.ID)
		return m.Status == "read" && m.WAMID != ""
	}, func() string { return fmt.Sprintf("message %+v", m) })
	// A deadline per read: one context shared by the whole 30 s poll expired after 10 s and
	// made every later read fail on the slower MongoDB backend.
	get := func() (persistence.OutboxMessage, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return r.Engine.Store().Outbox().Get(ctx, q.ID)
	}
	eventually(t, 30*time.Second, func() bool {
		row, err := get()
		return err == nil && row.State == persistence.OutboxSent && row.WAMID == m.WAMID
	}, func() string {
		row, err := get()
		return fmt.Sprintf("outbox row %+v (%v)", row, err)
	})
	if n := sentTimes(r.meta, phoneA)[q.ID]; n != 1 {
		t.Fatalf("accepted %d times", n)
	}
}

// Meta rejects the tenant's token (190): the tenant is marked as needing re-authorisation
// in the directory, its sends pause (the message waits, queued), new sends are refused.
func stepReauth(t *testing.T, r *metaRig, tenantB persistence.Tenant) {
	conv := actors.ConversationID(tenantB.ID, "447700900555")
	r.meta.OpenWindow(phoneB, "447700900555")
	r.meta.ExpireToken(tokenB)
	accepted := r.meta.Stats().Numbers[phoneB].Accepted
	q := r.send(t, r.admin, conv, "are you there?")
	eventually(t, 30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tn, err := r.Engine.Store().Directory().TenantByID(ctx, tenantB.ID)
		return err == nil && tn.NeedsReauth
	}, func() string { return "tenant never marked as needing re-authorisation" })
	res := r.Post("/api/v1/messages/send", r.admin, map[string]any{"conversationId": conv, "body": "again"})
	if res.Status != 422 || res.Code() != "needs_reauth" {
		t.Fatalf("send after 190: %d %s", res.Status, res.Body)
	}
	eventually(t, 30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		row, err := r.Engine.Store().Outbox().Get(ctx, q.ID)
		return err == nil && row.State == persistence.OutboxQueued
	}, func() string { return "the refused message is not back in the queue" })
	if m, _ := messageIn(t, r.Node, r.admin, conv, q.ID); m.Status != "queued" {
		t.Fatalf("message %+v", m)
	}
	st := r.meta.Stats().Numbers[phoneB]
	if st.Accepted != accepted || st.Errors[190] != 1 {
		t.Fatalf("after a 190: accepted %d (was %d), 190s %d", st.Accepted, accepted, st.Errors[190])
	}
}
