package actors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// Save is the rig's snapshot save with the outage's faults: refused while writes to the
// snapshot's identity are refused (refuseWrites), or written with its answer lost once
// (loseSaveAnswer).
func (o outageSnapshots) Save(ctx context.Context, snap persistence.Snapshot) error {
	if h := o.s.claimHold("save:" + snap.Identity); h != nil {
		h.wait() // holdSave
	}
	if o.s.refusing(snap.Identity) {
		return fmt.Errorf("snapshots unreachable (the test's outage): %w", persistence.ErrUnavailable)
	}
	if o.s.takeLost("save:" + snap.Identity) {
		if err := o.Snapshots.Save(ctx, snap); err != nil {
			return err
		}
		return fmt.Errorf("snapshot answer lost after the write (the test's outage): %w", context.DeadlineExceeded)
	}
	return o.Snapshots.Save(ctx, snap)
}

// List counts the listings of conversations of each prefix: a tenant lists its conversations
// once per activation (loadState), so activations(tenant) counts its activations.
func (o outageSnapshots) List(ctx context.Context, kind, prefix, after string, limit int) ([]persistence.Snapshot, error) {
	o.s.mu.Lock()
	if o.s.lists == nil {
		o.s.lists = map[string]int{}
	}
	if after == "" && kind == KindConversation {
		o.s.lists[prefix]++
	}
	o.s.mu.Unlock()
	return o.Snapshots.List(ctx, kind, prefix, after, limit)
}

// activations counts the activations of tenant so far.
func (s *outageStore) activations(tenantID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists[tenantID+"/"]
}

// loseSaveAnswer makes the next snapshot save of identity land but answer an error.
func (s *outageStore) loseSaveAnswer(identity string) { s.loseOnce("save:" + identity) }

// saveRig is a private sender over an outage store whose reconciliation waits a minute, as
// the engine's waits two: a message left to reconciliation does not settle within a test's
// patience, so a test that sees its messages settled saw the activation that sent them
// settle them. Rescans run often, so a row put back to queued goes out again soon.
func saveRig(t *testing.T) (*senderRig, *outageStore) {
	t.Helper()
	store := &outageStore{Store: openStore(t, t.TempDir()), down: map[string]time.Time{}}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	pol := OutboundPolicy{ReconcileAfter: time.Minute, RescanEvery: 100 * time.Millisecond, Validity: time.Hour, SendTimeout: 5 * time.Second}
	return privateSender(t, store, pol, nil), store
}

// activeTenant is newTenant, activated.
func (r *senderRig) activeTenant(t *testing.T) string {
	t.Helper()
	tenant := r.newTenant(t)
	if err := r.client.WakeOutbound(t.Context(), tenant); err != nil {
		t.Fatal(err)
	}
	return tenant
}

// heldSends makes Meta hold the answers to the sends of ids until release is closed, and
// returns how many of them reached Meta so far.
func heldSends(r *senderRig, ids []string, release <-chan struct{}) *atomic.Int32 {
	var arrived atomic.Int32
	for _, id := range ids {
		r.graph.answer(id, func(n int) (string, error) {
			arrived.Add(1)
			<-release
			return fmt.Sprintf("wamid.%s.%d", id, n), nil
		})
	}
	return &arrived
}

// recordTo stores message id to the customer waID in the outbox and its conversation, and
// submits it, as the REST edge does.
func (r *senderRig) recordTo(t *testing.T, tenantID, id, waID string) {
	t.Helper()
	row := outboxRow(tenantID, id)
	row.ConversationID, row.Recipient = ConversationID(tenantID, waID), "+"+waID
	row.Request = bytes.ReplaceAll(row.Request, []byte(customer), []byte(waID))
	if err := r.store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{row}); err != nil {
		t.Fatal(err)
	}
	m, _ := OutboundMessage(id, row.Request, row.CreatedAt)
	if _, err := r.client.RecordOutbound(t.Context(), tenantID, waID, m); err != nil {
		t.Fatal(err)
	}
	if err := r.client.SubmitOutbound(t.Context(), row); err != nil {
		t.Fatal(err)
	}
}

// settledOnce waits for every message of ids to be sent, and checks Meta got each once.
func settledOnce(t *testing.T, r *senderRig, ids []string) {
	t.Helper()
	for _, id := range ids {
		waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
		if n, _ := r.graph.sends(id); n != 1 {
			t.Fatalf("%s reached Meta %d times, want once", id, n)
		}
	}
}

func failureCode(err error) string {
	var f *cluster.Failure
	if errors.As(err, &f) {
		return f.Code
	}
	return ""
}

var syncOfB = &SyncTemplates{FetchedAt: t0.Add(time.Hour), Templates: []TemplateUpdate{{ID: 2, Name: "b", Language: "en_US", Status: TemplateApproved}}}

// Regression: a template sync saves the tenant's snapshot every time, and a save the store
// refused stopped the tenant — sends in flight and all. Their outcomes then reached a stopped
// grain: the rows stayed sending until the next activation parked them as unknown and waited
// for evidence (two minutes in production; Meta had each message, and a resend after the
// wait would have been a duplicate). Now the store still holds the tenant's version, so the
// grain undoes the sync, answers the failure, and keeps sending.
func TestFailedTemplateSyncSaveKeepsTheTenantSending(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	ids := []string{"sync-a", "sync-b", "sync-c", "sync-d"}
	release := make(chan struct{})
	arrived := heldSends(r, ids, release)
	for i, id := range ids {
		r.recordTo(t, tenant, id, fmt.Sprint(5511900000000+i)) // a lane each: all in flight at once
	}
	waitFor(t, "every send at Meta", func() bool { return arrived.Load() == int32(len(ids)) })

	before := store.activations(tenant)
	// The version the sends left (the first one's mark, gate_handover.go): the failed save
	// must add none, the retry one.
	was, err := store.Snapshots().Load(ctx, KindTenant, tenant)
	if err != nil {
		t.Fatal(err)
	}
	store.refuseWrites(tenant, time.Hour)
	_, err = r.client.SyncTemplates(ctx, tenant, syncOfB)
	if code := failureCode(err); code != FailureStore {
		t.Fatalf("sync into a store refusing the snapshot: %v (code %q), want %s", err, code, FailureStore)
	}
	st, err := r.client.TenantState(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Templates[templateKey("b", "en_US")]; ok {
		t.Fatalf("the sync whose save failed is still applied: %v", st.Templates)
	}
	store.refuseWrites(tenant, 0)
	close(release)
	settledOnce(t, r, ids)

	if n := store.activations(tenant); n != before {
		t.Fatalf("the tenant was activated %d times more: the failed save stopped it", n-before)
	}
	// The caller's retry applies the sync again, and saves it.
	if _, err := r.client.SyncTemplates(ctx, tenant, syncOfB); err != nil {
		t.Fatal(err)
	}
	snap, err := store.Snapshots().Load(ctx, KindTenant, tenant)
	if err != nil {
		t.Fatal(err)
	}
	var stored TenantState
	if err := unmarshal(snap.Data, &stored); err != nil {
		t.Fatal(err)
	}
	if _, ok := stored.Templates[templateKey("b", "en_US")]; !ok || snap.Version != was.Version+1 {
		t.Fatalf("stored after the retry: version %d (from %d), templates %v", snap.Version, was.Version, stored.Templates)
	}
}

// A save whose answer was lost after the write landed is adopted: the sync is answered as done,
// and the grain's version follows the store's, so its next save is not refused.
func TestTenantSaveWhoseAnswerWasLostIsAdopted(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.activeTenant(t)
	ctx := t.Context()
	store.loseSaveAnswer(tenant)
	before := store.activations(tenant)
	if _, err := r.client.SyncTemplates(ctx, tenant, syncOfB); err != nil {
		t.Fatalf("a sync whose save landed: %v", err)
	}
	if err := r.client.RecordTenantEvents(ctx, tenant, []TenantEvent{{Field: "message_template_status_update", Time: t0.Add(2 * time.Hour),
		Template: &TemplateUpdate{ID: 2, Name: "b", Language: "en_US", Status: "PAUSED"}}}); err != nil {
		t.Fatalf("the save after it: %v", err)
	}
	snap, err := store.Snapshots().Load(ctx, KindTenant, tenant)
	if err != nil || snap.Version != 2 {
		t.Fatalf("stored version %d (%v), want 2", snap.Version, err)
	}
	if n := store.activations(tenant); n != before {
		t.Fatalf("the tenant was activated %d times more: a save that landed stopped it", n-before)
	}
}

// claimHold holds the first claim of a message before its write until released; later claims
// of it wait until the held one is written.
type claimHold struct {
	mu      sync.Mutex
	once    sync.Once
	reached chan struct{}
	release chan struct{}
}

func (h *claimHold) wait() {
	h.once.Do(func() {
		close(h.reached)
		<-h.release
	})
}

// holdClaim makes the first claim of message id wait before its write until release is closed.
func (s *outageStore) holdClaim(id string) *claimHold {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.holds == nil {
		s.holds = map[string]*claimHold{}
	}
	h := &claimHold{reached: make(chan struct{}), release: make(chan struct{})}
	s.holds[id] = h
	return h
}

// holdSave makes the first save of the snapshot identity names wait before its write until
// release is closed.
func (s *outageStore) holdSave(identity string) *claimHold { return s.holdClaim("save:" + identity) }

// holdResend makes the first write of a resend decision for message id (sent → queued, the
// failed wamid retracted) wait before it lands until release is closed.
func (s *outageStore) holdResend(id string) *claimHold { return s.holdClaim("resend:" + id) }

// dropHold ends holdClaim's (or holdResend's, "resend:" and the id) hold for later writes;
// one already waiting stays held until its release.
func (s *outageStore) dropHold(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.holds, id)
}

func (s *outageStore) claimHold(id string) *claimHold {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holds[id]
}

// anotherWriter saves the tenant's snapshot as a duplicate activation elsewhere would: the
// version after the stored one, holding other state (messaging tier TIER_10K).
func anotherWriter(t *testing.T, store *outageStore, tenantID string) {
	t.Helper()
	ctx := t.Context()
	next := uint64(1)
	if snap, err := store.Store.Snapshots().Load(ctx, KindTenant, tenantID); err == nil {
		next = snap.Version + 1
	}
	st := newTenantState()
	st.MessagingTier = "TIER_10K"
	data, err := marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Store.Snapshots().Save(ctx, persistence.Snapshot{Kind: KindTenant, Identity: tenantID, Version: next, Data: data, UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// A tenant fenced out by another writer still stops (its state cannot be reconciled with the
// store's), but its sends in flight hand Meta's answers to the next activation: each message
// is settled sent with the wamid Meta gave it, at once, and never sent again. Before, the
// answers reached the stopped grain and were dropped; the next activation parked the rows as
// unknown and waited out the reconciliation (a minute here, two in production) — and resent
// any message whose status Meta had not delivered by then.
func TestFencedTenantHandsItsAcceptedSendsOver(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	ids := []string{"fenced-a", "fenced-b", "fenced-c"}
	release := make(chan struct{})
	arrived := heldSends(r, ids, release)
	for i, id := range ids {
		r.recordTo(t, tenant, id, fmt.Sprint(5511910000000+i))
	}
	waitFor(t, "every send at Meta", func() bool { return arrived.Load() == int32(len(ids)) })

	anotherWriter(t, store, tenant)
	// The fenced activation answers "moved"; the call goes on to the next activation, which
	// loads the other writer's state and applies the sync over it.
	if _, err := r.client.SyncTemplates(ctx, tenant, syncOfB); err != nil {
		t.Fatal(err)
	}
	st, err := r.client.TenantState(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if _, synced := st.Templates[templateKey("b", "en_US")]; !synced || st.MessagingTier != "TIER_10K" {
		t.Fatalf("the next activation did not apply the sync over the other writer's state: tier %q, %v", st.MessagingTier, st.Templates)
	}
	close(release)
	settledOnce(t, r, ids)
	for _, id := range ids {
		if row := r.row(t, id); row.WAMID != "wamid."+id+".1" {
			t.Fatalf("%s settled with wamid %q, want Meta's answer", id, row.WAMID)
		}
	}
}

// A claim written after its activation stopped is put back rather than sent. Staged: the
// claim waits before its write while another writer fences the tenant out and the next
// activation loads the row as queued; the claim then lands (the next activation's own claim
// of the row is refused, and it lets go). Before, the stopped activation's goroutine sent the
// message anyway and its answer was dropped: the row stayed sending under a live activation
// that no longer held it, neither settled nor reconciled until another activation.
func TestClaimOfAStoppedTenantIsPutBack(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	const id = "claimed-late"
	hold := store.holdClaim(id)
	r.recordTo(t, tenant, id, "5511920000000")
	select {
	case <-hold.reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the message was never claimed")
	}
	anotherWriter(t, store, tenant)
	if _, err := r.client.SyncTemplates(ctx, tenant, syncOfB); err != nil {
		t.Fatal(err)
	}
	close(hold.release)
	settledOnce(t, r, []string{id})
	if n := store.activations(tenant); n < 2 {
		t.Fatalf("%d activations: the sync did not fence the tenant, the test tests nothing", n)
	}
}

// A save of the sender's own fenced out by another writer (here the pause after Meta's
// 131048) stops the tenant too; the messages it held queued are then sent by the next
// activation, which the stopping one wakes — no caller would retry on the owner, and
// without the wake they waited in the outbox for the tenant's next call. (The pause was
// never saved, so the next activation does not know it: should Meta still refuse, its
// answer pauses the tenant again. Here Meta takes the message the second time.)
func TestTenantFencedByItsOwnPauseWakesTheNextActivation(t *testing.T) {
	r, store := saveRig(t)
	tenant := r.activeTenant(t)
	ctx := t.Context()
	// A first send marks the snapshot (gate_handover.go); without it, that save of the
	// sender's, not the pause's, would be the one the other writer fences.
	r.recordTo(t, tenant, "paused-0", "5511930000000")
	settledOnce(t, r, []string{"paused-0"})
	anotherWriter(t, store, tenant)
	ids := []string{"paused-1", "paused-2", "paused-3"}
	r.graph.answer(ids[0], func(n int) (string, error) {
		if n == 1 {
			return "", &SendFailure{Class: ClassPauseTenant, Code: 131048, Title: "Spam rate limit hit"}
		}
		return fmt.Sprintf("wamid.%s.%d", ids[0], n), nil
	})
	// One customer: the others wait in its lane behind the first. Only in the outbox, where
	// the tenant's rescan finds them: no call of the test's, nor a conversation's summary,
	// reaches the tenant from here on.
	for _, id := range ids {
		if err := store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{outboxRow(tenant, id)}); err != nil {
			t.Fatal(err)
		}
	}
	settledOnce(t, r, ids[1:])
	waitFor(t, ids[0]+" sent", func() bool { return r.row(t, ids[0]).State == persistence.OutboxSent })
	if n := store.activations(tenant); n < 2 {
		t.Fatalf("%d activations: the pause's fenced save did not stop the tenant, the test tests nothing", n)
	}
}
