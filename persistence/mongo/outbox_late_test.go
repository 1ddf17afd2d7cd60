package mongo

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// An outbox transition whose caller gave up (its deadline passed while the server had not
// run it yet) can still be run by the server afterwards, after another activation moved the
// message on. Whatever that late write does, it must not take the message back: a message
// back in sending (or queued) is reconciled and sent again, and Meta has no idempotency key.
// The proxy holds the stale writer's outbox writes until the live store has moved the
// message on (claimed, requeued, claimed again, sent), then lets them through. The held write
// is the whole replace filtered on revision 0 (the fence's lease is long over), and FerretDB
// runs its query step only when it runs the command, so it matches nothing. What this cannot
// reach is a replace whose query step already ran inside the server and whose write step the
// server delays beyond the lease (fence.go).
func TestLateOutboxTransitionCannotTakeMessageBack(t *testing.T) {
	uri := testenv.MongoURI(t)
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	// A short fence lease (the shortest the configuration allows), so that a fence the stale
	// writer leaves does not keep the live one out for a minute.
	const lease = 2 * time.Second
	live := openFreshWith(t, uri, Options{FenceLease: lease})
	proxy := newHoldProxy(t, u.Host)
	stale, err := OpenWith(t.Context(), proxy.proxyURI(uri), live.Database(), Options{FenceLease: lease})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stale.Close(context.Background()) }()
	liveOb := live.Outbox()
	ctx := t.Context()

	now := time.Now().UTC().Truncate(time.Millisecond)
	m := persistence.OutboxMessage{ID: "late-1", TenantID: "t-late", PhoneNumberID: "pn", Recipient: "1555",
		State: persistence.OutboxQueued, Request: []byte(`{"v":"enqueued"}`), CreatedAt: now, UpdatedAt: now, NextAttemptAt: now}
	if err := liveOb.Enqueue(ctx, []persistence.OutboxMessage{m}); err != nil {
		t.Fatal(err)
	}

	// The stale activation claims the message; the proxy keeps its outbox writes, so the
	// claim's answer never comes and its deadline passes.
	writes := map[string]bool{"insert": true, "update": true, "delete": true}
	proxy.holdWhen(func(cmd, col string) bool { return writes[cmd] && col == colOutbox })
	claim := m
	claim.State, claim.Attempts, claim.Claim, claim.Request = persistence.OutboxSending, 1, "stale", []byte(`{"v":"stale claim"}`)
	sctx, cancel := context.WithTimeout(ctx, time.Second)
	err = stale.Outbox().Transition(sctx, persistence.OutboxQueued, claim)
	cancel()
	if err == nil || proxy.heldCount() == 0 {
		t.Fatalf("stale claim: %v with %d messages held; want its answer lost", err, proxy.heldCount())
	}
	t.Logf("stale claim gave up: %v", err)

	// The next activation moves the message on: its claim (once whatever the stale writer
	// left no longer holds it), a requeue, another claim, and sent.
	steps := []struct {
		from  persistence.OutboxState
		state persistence.OutboxState
	}{
		{persistence.OutboxQueued, persistence.OutboxSending},
		{persistence.OutboxSending, persistence.OutboxQueued},
		{persistence.OutboxQueued, persistence.OutboxSending},
		{persistence.OutboxSending, persistence.OutboxSent},
	}
	want := m
	deadline := time.Now().Add(3 * lease)
	for i, st := range steps {
		next := want
		next.State, next.Attempts, next.Claim = st.state, i+1, "live"
		next.Request = []byte(`{"v":"live ` + string(st.state) + `"}`)
		for {
			err := liveOb.Transition(ctx, st.from, next)
			if err == nil {
				break
			}
			if i > 0 || time.Now().After(deadline) {
				t.Fatalf("live step %d %s → %s: %v", i, st.from, st.state, err)
			}
			time.Sleep(100 * time.Millisecond) // the stale writer's fence, until its lease ends
		}
		want = next
	}

	proxy.release(15 * time.Second)

	got, err := liveOb.Get(ctx, m.ID)
	if err != nil || got.State != persistence.OutboxSent || got.Claim != "live" || string(got.Request) != string(want.Request) {
		t.Fatalf("after the late write: %s claim %q request %s, %v; want sent by the live writer, %s", got.State, got.Claim, got.Request, err, want.Request)
	}
	for _, st := range persistence.PendingStates {
		rows, err := liveOb.ListByState(ctx, m.TenantID, st, 10)
		if err != nil || len(rows) != 0 {
			t.Fatalf("list %s: %d rows, %v; want none (the message is sent)", st, len(rows), err)
		}
	}
	if n, err := liveOb.CountPending(ctx, m.TenantID, 10); err != nil || n != 0 {
		t.Fatalf("count pending: %d, %v; want 0", n, err)
	}
	due, err := liveOb.DueTenants(ctx, time.Now().Add(time.Hour), "", 10)
	if err != nil || slices.Contains(due, m.TenantID) {
		t.Fatalf("due tenants: %v, %v; want none", due, err)
	}
	// And the message's life goes on from the live writer's state.
	if err := liveOb.Transition(ctx, persistence.OutboxSending, want); err == nil {
		t.Fatal("a transition from sending succeeded on a sent message")
	}
}
