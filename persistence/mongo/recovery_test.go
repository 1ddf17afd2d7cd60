package mongo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// These tests plant what a process that died mid-write leaves behind (a fence, a phone
// number claim) and check that the next writer neither trusts it nor is blocked by it for
// longer than the lease.

func openFresh(t *testing.T) *Store {
	t.Helper()
	uri := testenv.MongoURI(t)
	return openFreshWith(t, uri, Options{})
}

// openFreshWith opens a store with o on a fresh database of uri.
func openFreshWith(t *testing.T, uri string, o Options) *Store {
	t.Helper()
	s, err := OpenWith(t.Context(), uri, testenv.UniqueName("sbtest_"), o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	dropWhenDone(t, s)
	return s
}

// dropWhenDone drops s's database and closes s when the test ends.
func dropWhenDone(t *testing.T, s *Store) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.db.Drop(ctx); err != nil {
			t.Errorf("drop %s: %v", s.db.Name(), err)
		}
		_ = s.Close(ctx)
	})
}

// queuedMessage enqueues a queued outbox message; its first transition writes revision 1,
// under the fence outboxFence(id, 1).
func queuedMessage(t *testing.T, s *Store, id string) persistence.OutboxMessage {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	m := persistence.OutboxMessage{ID: id, TenantID: "t1", State: persistence.OutboxQueued, Request: []byte("{}"), CreatedAt: now, UpdatedAt: now}
	if err := s.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{m}); err != nil {
		t.Fatalf("enqueue %s: %v", id, err)
	}
	m.State = persistence.OutboxSending
	return m
}

func TestAbandonedFence(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	m := queuedMessage(t, s, "m-abandoned")
	name := outboxFence(m.ID, 1)

	// A writer of revision 1 is in its fenced section right now: this one must wait.
	if _, err := s.fences.InsertOne(ctx, fenceDoc{ID: name, At: time.Now().UTC()}); err != nil {
		t.Fatalf("plant fresh fence: %v", err)
	}
	if err := s.Outbox().Transition(ctx, persistence.OutboxQueued, m); !errors.Is(err, persistence.ErrVersionConflict) {
		t.Fatalf("transition under a live fence: %v, want ErrVersionConflict", err)
	}

	// That writer died long ago: its fence no longer blocks.
	if _, err := s.fences.DeleteOne(ctx, byID(name)); err != nil {
		t.Fatalf("remove fence: %v", err)
	}
	if _, err := s.fences.InsertOne(ctx, fenceDoc{ID: name, At: time.Now().Add(-2 * DefaultFenceLease).UTC()}); err != nil {
		t.Fatalf("plant abandoned fence: %v", err)
	}
	if err := s.Outbox().Transition(ctx, persistence.OutboxQueued, m); err != nil {
		t.Fatalf("transition past an abandoned fence: %v", err)
	}
	got, err := s.Outbox().Get(ctx, m.ID)
	if err != nil || got.State != persistence.OutboxSending {
		t.Fatalf("get: state %q, %v; want sending", got.State, err)
	}
	if n, err := s.fences.CountDocuments(ctx, byID(name)); err != nil || n != 0 {
		t.Fatalf("fence left behind after the transition: %d, %v", n, err)
	}
}

// An insert of the fence whose answer was lost, and which the driver tried again, finds its
// own fence: the writer holds it (not "being written by another writer" for a minute), writes,
// and releases it.
func TestOwnFenceFromALostAnswer(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	m := queuedMessage(t, s, "m-own")
	name := outboxFence(m.ID, 1)
	if _, err := s.fences.InsertOne(ctx, fenceDoc{ID: name, At: time.Now().UTC(), Owner: "this-call"}); err != nil {
		t.Fatalf("plant the landed fence: %v", err)
	}
	defer func(prev func() string) { newFenceOwner = prev }(newFenceOwner)
	newFenceOwner = func() string { return "this-call" }
	if err := s.Outbox().Transition(ctx, persistence.OutboxQueued, m); err != nil {
		t.Fatalf("transition over the call's own fence: %v", err)
	}
	if n, err := s.fences.CountDocuments(ctx, byID(name)); err != nil || n != 0 {
		t.Fatalf("fence left behind: %d, %v", n, err)
	}
}

func TestLeftoverPhoneClaims(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	d := s.Directory()
	plant := func(phone, tenant string, at time.Time) {
		t.Helper()
		if _, err := s.phoneNumbers.InsertOne(ctx, phoneClaim{PhoneNumberID: phone, TenantID: tenant, ClaimedAt: at}); err != nil {
			t.Fatalf("plant claim %s: %v", phone, err)
		}
	}
	tenant := func(id, phone string) persistence.Tenant {
		return persistence.Tenant{ID: id, Name: id, PhoneNumberID: phone, CreatedAt: time.Now().UTC()}
	}

	// A create that died after claiming: its tenant was never written.
	plant("pn-1", "ghost", time.Now().UTC())
	if _, err := d.TenantByPhoneNumberID(ctx, "pn-1"); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("lookup through a ghost's claim: %v, want ErrNotFound", err)
	}
	if err := d.CreateTenant(ctx, tenant("t1", "pn-1")); !errors.Is(err, persistence.ErrConflict) {
		t.Fatalf("claim held by a create that may still be running: %v, want ErrConflict", err)
	}

	// The same leftover, older than the lease, is taken over.
	plant("pn-2", "ghost", time.Now().Add(-2*claimLease).UTC())
	if err := d.CreateTenant(ctx, tenant("t2", "pn-2")); err != nil {
		t.Fatalf("take over an abandoned claim: %v", err)
	}
	if got, err := d.TenantByPhoneNumberID(ctx, "pn-2"); err != nil || got.ID != "t2" {
		t.Fatalf("pn-2 resolves to %q, %v; want t2", got.ID, err)
	}

	// An update that died before releasing the number it moved away from.
	if err := d.CreateTenant(ctx, tenant("t3", "pn-3")); err != nil {
		t.Fatalf("create t3: %v", err)
	}
	if _, err := s.tenants.ReplaceOne(ctx, byID("t3"), tenant("t3", "pn-4")); err != nil {
		t.Fatalf("move t3 behind the store's back: %v", err)
	}
	if _, err := d.TenantByPhoneNumberID(ctx, "pn-3"); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("lookup through a claim its tenant let go: %v, want ErrNotFound", err)
	}
	// That claim is fresh, so it still blocks others for the lease...
	if err := d.CreateTenant(ctx, tenant("t4", "pn-3")); !errors.Is(err, persistence.ErrConflict) {
		t.Fatalf("claim left by a recent update: %v, want ErrConflict", err)
	}
	// ...and pn-4, which t3 holds without a claim, gets one when t3 is next updated.
	if err := d.UpdateTenant(ctx, tenant("t3", "pn-4")); err != nil {
		t.Fatalf("update t3: %v", err)
	}
	if got, err := d.TenantByPhoneNumberID(ctx, "pn-4"); err != nil || got.ID != "t3" {
		t.Fatalf("pn-4 resolves to %q, %v; want t3", got.ID, err)
	}
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens, so server selection runs out of time.
	_, err := Open(ctx, "mongodb://127.0.0.1:1/?connectTimeoutMS=200", "")
	if !errors.Is(err, persistence.ErrUnavailable) {
		t.Fatalf("open unreachable server: %v, want ErrUnavailable", err)
	}
}

// A store opened with a short FenceLease breaks an abandoned fence once that lease is over,
// where a store with the default (a minute) still refuses the write; and its fenced sections
// run under half the lease, so a live writer's fence never reaches that age.
func TestFenceLeaseOption(t *testing.T) {
	def := openFresh(t)
	short, err := OpenWith(t.Context(), testenv.MongoURI(t), def.Database(), Options{FenceLease: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = short.Close(context.Background()) }()
	if got := fenceHold(short.fenceLease); got != time.Second {
		t.Fatalf("fenced sections of a 2s lease run under %s, want 1s", got)
	}
	if got := fenceHold(def.fenceLease); def.fenceLease != DefaultFenceLease || got != DefaultTimeout {
		t.Fatalf("default store: lease %s, hold %s; want %s, %s", def.fenceLease, got, DefaultFenceLease, DefaultTimeout)
	}
	ctx := t.Context()
	m := queuedMessage(t, def, "m-lease")
	// Left 3 s ago by a writer that died: past the short lease, well inside the default one.
	if _, err := def.fences.InsertOne(ctx, fenceDoc{ID: outboxFence(m.ID, 1), At: time.Now().Add(-3 * time.Second).UTC(), Owner: "killed"}); err != nil {
		t.Fatal(err)
	}
	if err := def.Outbox().Transition(ctx, persistence.OutboxQueued, m); !errors.Is(err, persistence.ErrVersionConflict) {
		t.Fatalf("default lease, fence 3s old: %v, want ErrVersionConflict", err)
	}
	if err := short.Outbox().Transition(ctx, persistence.OutboxQueued, m); err != nil {
		t.Fatalf("2s lease, fence 3s old: %v, want it broken and the transition written", err)
	}
}
