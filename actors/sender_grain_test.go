package actors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/internal/departstamp"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
)

// The sender against a real embedded store and real grains; only Meta is a fake here
// (engine tests use fakemeta). These tests cover what a live Meta makes hard to stage: a
// process that died mid-send, and answers that never came.
//
// They share one node, each with tenants of its own: every protoactor node started in a
// -race test binary risks the race inside protoactor/gRPC the Makefile describes.

const customer = "5511987654321"

// fakeGraph answers sends by message id (callback data): answers[id](n) for the n-th send
// of that id (from 1), success with "wamid.<id>.<n>" otherwise.
type fakeGraph struct {
	mu      sync.Mutex
	calls   map[string]int
	tokens  map[string]string // message id → token of its last send
	answers map[string]func(n int) (string, error)
	times   map[string][]time.Time // token → when each of its sends left its gate
}

func newFakeGraph() *fakeGraph {
	return &fakeGraph{calls: map[string]int{}, tokens: map[string]string{}, answers: map[string]func(int) (string, error){}, times: map[string][]time.Time{}}
}

func (f *fakeGraph) Send(ctx context.Context, token, _ string, request []byte) (Accepted, error) {
	// The pacing tests judge the departures, which the gate paces: the arrival here comes a
	// goroutine switch later, and on a loaded machine a send that left on time can arrive
	// more than JitterMargin after the next one, a bunch the sender did not make (Meta's
	// side of that jitter is what JitterMargin is for).
	at, ok := departstamp.From(ctx)
	if !ok {
		at = time.Now()
	}
	var body struct {
		Callback string `json:"biz_opaque_callback_data"`
	}
	_ = json.Unmarshal(request, &body)
	f.mu.Lock()
	f.calls[body.Callback]++
	n := f.calls[body.Callback]
	f.tokens[body.Callback] = token
	f.times[token] = append(f.times[token], at)
	answer := f.answers[body.Callback]
	f.mu.Unlock()
	if answer != nil {
		wamid, err := answer(n)
		return Accepted{WAMID: wamid}, err
	}
	return Accepted{WAMID: fmt.Sprintf("wamid.%s.%d", body.Callback, n)}, nil
}

func (f *fakeGraph) answer(id string, a func(n int) (string, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[id] = a
}

// busiestSecond is the most sends made with token in any one-second span from `from` on.
func (f *fakeGraph) busiestSecond(token string, from time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var at []time.Time
	for _, t := range f.times[token] {
		if !t.Before(from) {
			at = append(at, t)
		}
	}
	return maxInAnySecond(at)
}

// firstSend is when the first send made with token at or after from left its gate (from
// when none did).
func (f *fakeGraph) firstSend(token string, from time.Time) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	first := time.Time{}
	for _, t := range f.times[token] {
		if !t.Before(from) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if first.IsZero() {
		return from
	}
	return first
}

// sendsBetween counts the sends made with token in [from, to).
func (f *fakeGraph) sendsBetween(token string, from, to time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, t := range f.times[token] {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

func (f *fakeGraph) sends(id string) (int, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id], f.tokens[id]
}

// tenantSecrets opens every token to "token-<tenant>", so a test sees whose token was used.
type tenantSecrets struct{}

func (tenantSecrets) Open(s persistence.SealedSecret, aad string) (string, error) {
	rest, ok := strings.CutPrefix(string(s.Ciphertext), "sealed-"+aad)
	if !ok {
		return "", errors.New("sealed for another tenant")
	}
	return "token-" + aad + rest, nil // a renewed token ("sealed-<tenant>-2") opens to its own
}

type senderRig struct {
	store  persistence.Store
	outage *outageStore // the same store, with an outage it can be asked for
	client *Client
	graph  *fakeGraph
	flags  sync.Map // tenant id → OnTenantFlags(…, true) seen
}

// outageStore is the rig's real store with one fault it can be asked for: the outbox refusing
// writes to chosen rows for a while, as a store that is down refuses them.
type outageStore struct {
	persistence.Store
	mu    sync.Mutex
	down  map[string]time.Time  // message id → its writes fail until then
	gets  map[string]int        // message id → outbox reads of it
	read  map[string]time.Time  // message id → when its latest outbox read began
	holds map[string]*claimHold // message id → its claims wait (holdClaim)
	lists map[string]int        // snapshot prefix → List calls (a tenant's activations)
	loads map[string]int        // snapshot identity → Load calls (attempts to activate)
	scans map[string]int        // tenant → listings of its queued outbox rows (rescans)
	seen  map[string]int        // inbox entry id → pending listings that returned it
}

// queuedScans counts the listings of the tenant's queued outbox rows so far: its
// activations' loads and its rescans.
func (s *outageStore) queuedScans(tenantID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scans[tenantID]
}

func (o outageOutbox) ListByState(ctx context.Context, tenantID string, state persistence.OutboxState, limit int) ([]persistence.OutboxMessage, error) {
	if state == persistence.OutboxQueued {
		o.s.mu.Lock()
		if o.s.scans == nil {
			o.s.scans = map[string]int{}
		}
		o.s.scans[tenantID]++
		o.s.mu.Unlock()
	}
	return o.Outbox.ListByState(ctx, tenantID, state, limit)
}

// outboxGets counts the outbox reads of message id so far.
func (s *outageStore) outboxGets(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[id]
}

// lastGet is when the latest outbox read of message id began (zero: none yet).
func (s *outageStore) lastGet(id string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read[id]
}

func (s *outageStore) Outbox() persistence.Outbox {
	return outageOutbox{Outbox: s.Store.Outbox(), s: s}
}

func (s *outageStore) Snapshots() persistence.Snapshots {
	return outageSnapshots{Snapshots: s.Store.Snapshots(), s: s}
}

// refusing reports whether writes to key (a message id, a snapshot identity) fail now.
func (s *outageStore) refusing(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Before(s.down[key])
}

// refuseWrites makes the store refuse writes to key for d: an outbox row by its message id,
// a conversation's snapshot and buckets by its identity; "read:" and a message id refuses
// reads of the row, "conflict:" and a message id refuses its writes as moved by another
// writer (a version conflict).
func (s *outageStore) refuseWrites(key string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[key] = time.Now().Add(d)
}

type outageOutbox struct {
	persistence.Outbox
	s *outageStore
}

func (o outageOutbox) Get(ctx context.Context, id string) (persistence.OutboxMessage, error) {
	o.s.mu.Lock()
	if o.s.gets == nil {
		o.s.gets = map[string]int{}
	}
	o.s.gets[id]++
	if o.s.read == nil {
		o.s.read = map[string]time.Time{}
	}
	o.s.read[id] = time.Now()
	o.s.mu.Unlock()
	if o.s.refusing("read:" + id) {
		return persistence.OutboxMessage{}, fmt.Errorf("outbox unreachable for reads (the test's outage): %w", persistence.ErrUnavailable)
	}
	return o.Outbox.Get(ctx, id)
}

func (o outageOutbox) Transition(ctx context.Context, from persistence.OutboxState, m persistence.OutboxMessage) error {
	if m.State == persistence.OutboxQueued && len(m.Retracted) > 0 {
		if h := o.s.claimHold("resend:" + m.ID); h != nil {
			h.wait() // a resend decision's write (holdResend); an outage set meanwhile fails it
		}
	}
	if o.s.refusing(m.ID) {
		return fmt.Errorf("outbox unreachable (the test's outage): %w", persistence.ErrUnavailable)
	}
	if o.s.refusing("conflict:" + m.ID) {
		return fmt.Errorf("outbox row moved (the test's other writer): %w", persistence.ErrVersionConflict)
	}
	if m.State == persistence.OutboxSending {
		if h := o.s.claimHold(m.ID); h != nil {
			h.mu.Lock() // claims of the message, one after another: the held one first
			defer h.mu.Unlock()
			h.wait()
		}
	}
	if from == persistence.OutboxSending && m.WAMID != "" && o.s.refusing("crash:"+m.ID) {
		// The outcome's write (crashAfterOutcome): it lands, and the process is gone.
		if err := o.Outbox.Transition(ctx, from, m); err != nil {
			return err
		}
		o.s.refuseWrites(m.ID, time.Hour)
		return nil
	}
	if m.State == persistence.OutboxSending && o.s.takeLost("claim:"+m.ID) {
		if err := o.Outbox.Transition(ctx, from, m); err != nil {
			return err
		}
		<-ctx.Done()
		return fmt.Errorf("outbox answer lost after the write (the test's outage): %w", ctx.Err())
	}
	return o.Outbox.Transition(ctx, from, m)
}

func (o outageOutbox) Enqueue(ctx context.Context, msgs []persistence.OutboxMessage) error {
	if len(msgs) == 1 && o.s.takeLost("insert:"+msgs[0].ID) {
		if err := o.Outbox.Enqueue(ctx, msgs); err != nil {
			return err
		}
		return fmt.Errorf("outbox answer lost after the write (the test's outage): %w", context.DeadlineExceeded)
	}
	return o.Outbox.Enqueue(ctx, msgs)
}

// loseInsertAnswer makes the outbox store the next insert of message id but answer it with an
// error, as a store whose answer is lost after the write (a timeout) does.
func (s *outageStore) loseInsertAnswer(id string) { s.loseOnce("insert:" + id) }

// loseClaimAnswer makes the outbox write the next claim of message id (→ sending) but
// answer it only when the writer gives up (its deadline), as a store whose answer is lost
// after the write does.
func (s *outageStore) loseClaimAnswer(id string) { s.loseOnce("claim:" + id) }

// loseOnce arms a lost answer for the write key names (takeLost).
func (s *outageStore) loseOnce(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down["lost:"+key] = time.Now().Add(time.Hour)
}

// takeLost reports whether the write key names is to lose its answer, once.
func (s *outageStore) takeLost(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.down["lost:"+key]; !ok {
		return false
	}
	delete(s.down, "lost:"+key)
	return true
}

type outageSnapshots struct {
	persistence.Snapshots
	s *outageStore
}

// refuseLoads makes the store refuse reads of the snapshot identity names for d, so its
// grain's activations fail meanwhile.
func (s *outageStore) refuseLoads(identity string, d time.Duration) {
	s.refuseWrites("load:"+identity, d)
}

func (o outageSnapshots) Load(ctx context.Context, kind, identity string) (persistence.Snapshot, error) {
	o.s.mu.Lock()
	if o.s.loads == nil {
		o.s.loads = map[string]int{}
	}
	o.s.loads[identity]++
	o.s.mu.Unlock()
	if o.s.refusing("load:" + identity) {
		return persistence.Snapshot{}, fmt.Errorf("snapshots unreachable (the test's outage): %w", persistence.ErrUnavailable)
	}
	return o.Snapshots.Load(ctx, kind, identity)
}

func (o outageSnapshots) Commit(ctx context.Context, snap persistence.Snapshot, buckets []persistence.Bucket) error {
	if o.s.refusing(snap.Identity) {
		return fmt.Errorf("snapshots unreachable (the test's outage): %w", persistence.ErrUnavailable)
	}
	return o.Snapshots.Commit(ctx, snap, buckets)
}

var shared struct {
	mu   sync.Mutex
	rig  *senderRig
	stop func()
	// ran holds the tests that used this rig. A test running again means `go test -count=N`
	// began another round of the package's tests, whose fixed message ids the rig's store
	// and Graph already hold: that round gets a fresh rig.
	ran map[string]bool
}

// TestMain stops the shared node after the package's tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	os.Exit(code)
}

// quickSendTimeout is quickSender's SendTimeout.
const quickSendTimeout = time.Second

// quickSender is a node of its own for a test that waits out SendTimeout (an outage that
// must outlast a write's own retries, an answer lost until the write's deadline): the shared
// sender's, 5 s, left room for a loaded machine its other tests need; here it is a second.
// Otherwise it is set up as the shared sender.
func quickSender(t *testing.T) *senderRig {
	t.Helper()
	store := &outageStore{Store: openStore(t, t.TempDir()), down: map[string]time.Time{}}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	return privateSender(t, store, OutboundPolicy{ReconcileAfter: 300 * time.Millisecond, QueueWindow: 10 * time.Second,
		Validity: time.Hour, SendTimeout: quickSendTimeout, BusyRetry: sharedBusyRetry}, nil)
}

// sharedBusyRetry is the shared sender's BusyRetry: a write refused by a busy row or store
// trouble, or a deferred resend decision, is tried again this soon (2 s in production).
const sharedBusyRetry = 200 * time.Millisecond

// sharedSender is the package's one node with a Graph: reconciliation after 300 ms, a backlog
// of 10 s of sending (800 messages at the default rate), messages valid for an hour, busy
// writes tried again after sharedBusyRetry.
func sharedSender(t *testing.T) *senderRig {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.ran[t.Name()] {
		shared.stop()
		shared.rig, shared.stop = nil, nil
	}
	if shared.rig == nil {
		shared.ran = map[string]bool{}
		if err := startSharedSender(); err != nil {
			t.Fatal(err)
		}
	}
	shared.ran[t.Name()] = true
	return shared.rig
}

// startSharedSender starts the package's node with a Graph (sharedSender).
func startSharedSender() error {
	dir, err := os.MkdirTemp("", "actors-sender")
	if err != nil {
		return err
	}
	disk, err := embedded.Open(dir)
	if err != nil {
		return err
	}
	store := &outageStore{Store: disk, down: map[string]time.Time{}}
	r := &senderRig{store: store, outage: store, graph: newFakeGraph()}
	d := &Deps{Store: store, Graph: r.graph, Secrets: tenantSecrets{}, Outbound: OutboundPolicy{ReconcileAfter: 300 * time.Millisecond, QueueWindow: 10 * time.Second, Validity: time.Hour, SendTimeout: 5 * time.Second,
		BusyRetry: sharedBusyRetry},
		OnTenantFlags: func(id string, _ bool) { r.flags.Store(id, true) },
		// As the engine does: the directory flags the tenant only while it holds that token.
		OnTokenRejected: func(id string, token persistence.SealedSecret) {
			r.flags.Store(id, true)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _ = store.Directory().MarkNeedsReauth(ctx, id, true, &token, time.Now())
		}}
	node, err := cluster.Start(cluster.Options{ClusterName: "sender-test", Addr: "127.0.0.1:0", Codec: Codec(), Kinds: Kinds(d)})
	if err != nil {
		return err
	}
	r.client = NewClient(node)
	shared.rig = r
	shared.stop = func() {
		node.Stop(context.Background())
		_ = store.Close(context.Background())
		_ = os.RemoveAll(dir)
	}
	return nil
}

var tenantSeq atomic.Int32

// newTenant puts a connected tenant of its own in the directory; rate is its
// messagesPerSecond setting (none: Meta's default).
func (r *senderRig) newTenant(t *testing.T, rate ...int) string {
	t.Helper()
	n := tenantSeq.Add(1)
	id := fmt.Sprintf("c0ffee%018x", n)
	now := time.Now().UTC()
	tenant := persistence.Tenant{
		ID: id, Name: "T", Active: true, PhoneNumberID: fmt.Sprint(100000000000000 + int64(n)),
		AccessToken: persistence.SealedSecret{KeyID: "k1", Nonce: []byte{1}, Ciphertext: []byte("sealed-" + id)},
		CreatedAt:   now, UpdatedAt: now,
	}
	if len(rate) > 0 {
		tenant.MessagesPerSecond = rate[0]
	}
	err := r.store.Directory().CreateTenant(t.Context(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func outboxRow(tenantID, id string) persistence.OutboxMessage {
	now := time.Now().UTC()
	return persistence.OutboxMessage{
		ID: id, TenantID: tenantID, ConversationID: ConversationID(tenantID, customer), PhoneNumberID: "1",
		Recipient: "+" + customer, State: persistence.OutboxQueued, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
		Request: fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+%s","type":"text","text":{"body":"hi %s"},"biz_opaque_callback_data":"%s"}`, customer, id, id),
	}
}

// record stores the message in the outbox and its conversation, as the REST edge does.
func (r *senderRig) record(t *testing.T, tenantID, id string, submit bool) {
	t.Helper()
	ctx := t.Context()
	row := outboxRow(tenantID, id)
	if err := r.store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{row}); err != nil {
		t.Fatal(err)
	}
	m, _ := OutboundMessage(id, row.Request, row.CreatedAt)
	if _, err := r.client.RecordOutbound(ctx, tenantID, customer, m); err != nil {
		t.Fatal(err)
	}
	if submit {
		if err := r.client.SubmitOutbound(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
}

// claimedBeforeACrash stores message id as a process that died mid-send leaves it: claimed
// (sending, one attempt), with no outcome.
func (r *senderRig) claimedBeforeACrash(t *testing.T, tenantID, id string) {
	t.Helper()
	r.storedAs(t, tenantID, id, persistence.OutboxSending, "")
}

// storedAs stores message id as the outbox holds it after one attempt that left it in state
// (with wamid), without telling the tenant.
func (r *senderRig) storedAs(t *testing.T, tenantID, id string, state persistence.OutboxState, wamid string) {
	t.Helper()
	row := outboxRow(tenantID, id)
	// Stored as claimed (sending), as a send that is leaving is: a queued row would be
	// claimed by a tenant activation left live by an earlier test before the transition
	// below, which then failed as "sending, not queued". A live activation claims only
	// queued rows; sending ones are reconciled when a tenant activates.
	row.State = persistence.OutboxSending
	if err := r.store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{row}); err != nil {
		t.Fatal(err)
	}
	row.State, row.WAMID, row.Attempts = state, wamid, 1
	if err := r.store.Outbox().Transition(t.Context(), persistence.OutboxSending, row); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *senderRig) row(t *testing.T, id string) persistence.OutboxMessage {
	t.Helper()
	m, err := r.store.Outbox().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (r *senderRig) message(t *testing.T, tenantID, id string) Message {
	t.Helper()
	page, err := r.client.Messages(t.Context(), tenantID, customer, ListMessages{Page: 1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page.Messages {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s not in its conversation", id)
	return Message{}
}

func (r *senderRig) status(t *testing.T, tenantID, id, wamid, status string) {
	t.Helper()
	_, err := r.client.Deliver(t.Context(), customer, &Deliver{TenantID: tenantID, Contact: Contact{WaID: customer},
		Statuses: []StatusUpdate{{WAMID: wamid, Status: status, Timestamp: time.Now(), CallbackData: id, Placed: true}}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSenderSendsOnceWithTheTenantsToken(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	for i := range 5 {
		r.record(t, tenant, fmt.Sprint("once", i), true)
	}
	for i := range 5 {
		id := fmt.Sprint("once", i)
		// The conversation first, then the outbox: waiting for the outbox waits for both.
		waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
		if m := r.message(t, tenant, id); r.row(t, id).State != persistence.OutboxSent || m.WAMID != "wamid."+id+".1" {
			t.Fatalf("%s in its conversation: %+v", id, m)
		}
		if n, tok := r.graph.sends(id); n != 1 || tok != "token-"+tenant {
			t.Fatalf("%s sent %d times, last with token %q", id, n, tok)
		}
	}
}

// A process died after claiming messages (state sending). The next activation parks them
// as unknown; one was in fact accepted by Meta, whose status (carrying our id) arrives and
// settles it without a resend; the other never left, gets no status, and is sent once the
// wait is over.
func TestSenderReconcilesMessagesFoundMidSend(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	for _, id := range []string{"reached", "lost"} {
		r.claimedBeforeACrash(t, tenant, id)
	}
	for _, id := range []string{"reached", "lost"} {
		m, _ := OutboundMessage(id, outboxRow(tenant, id).Request, time.Now())
		if _, err := r.client.RecordOutbound(ctx, tenant, customer, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.client.WakeOutbound(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both parked as unknown", func() bool {
		return r.message(t, tenant, "reached").Status == StatusUnknown && r.message(t, tenant, "lost").Status == StatusUnknown
	})
	r.status(t, tenant, "reached", "wamid.meta1", StatusSent)
	waitFor(t, "both settled", func() bool {
		return r.row(t, "reached").State == persistence.OutboxSent && r.message(t, tenant, "lost").Status == StatusSent
	})
	if got, _ := r.graph.sends("reached"); got != 0 || r.row(t, "reached").WAMID != "wamid.meta1" {
		t.Fatalf("reached: resent %d times, row %+v", got, r.row(t, "reached"))
	}
	if got, _ := r.graph.sends("lost"); got != 1 || r.message(t, tenant, "lost").Status != StatusSent {
		t.Fatalf("lost: sent %d times, %+v", got, r.message(t, tenant, "lost"))
	}
}

// A send whose answer is lost (Meta may have it) is never retried blindly: here Meta's
// status beat the lost answer, so the message is settled as sent from it — at once, and
// never sent again.
func TestSenderNeverResendsAMaybeSentMessageThatMetaReported(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	r.graph.answer("maybe", func(int) (string, error) {
		r.status(t, tenant, "maybe", "wamid.accepted", StatusSent) // Meta's webhook races ahead
		return "", &SendFailure{Class: ClassRetryTransient, Title: "read timeout", MaybeSent: true}
	})
	r.record(t, tenant, "maybe", true)
	waitFor(t, "sent on evidence", func() bool {
		return r.row(t, "maybe").State == persistence.OutboxSent && r.message(t, tenant, "maybe").Status == StatusSent
	})
	if n, _ := r.graph.sends("maybe"); n != 1 || r.row(t, "maybe").WAMID != "wamid.accepted" {
		t.Fatalf("sent %d times; row %+v", n, r.row(t, "maybe"))
	}
	if m := r.message(t, tenant, "maybe"); m.Status != StatusSent || m.WAMID != "wamid.accepted" {
		t.Fatalf("message %+v", m)
	}
}

func TestSenderOutcomesOfMetaErrors(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	r.graph.answer("transient", func(n int) (string, error) {
		if n <= 2 {
			return "", &SendFailure{Class: ClassRetryTransient, Code: 131000, Title: "Something went wrong", Backoff: func(int) time.Duration { return 10 * time.Millisecond }}
		}
		return "wamid.transient", nil
	})
	// An outage longer than the attempts allow (131016, seven times against five attempts)
	// does not fail the message: Meta could take none then, which says nothing of it.
	r.graph.answer("outage", func(n int) (string, error) {
		if n <= 7 {
			return "", &SendFailure{Class: ClassRetryTransient, Code: 131016, Title: "Service unavailable", Unavailable: true, Backoff: func(int) time.Duration { return 10 * time.Millisecond }}
		}
		return "wamid.outage", nil
	})
	r.graph.answer("bad", func(int) (string, error) {
		return "", &SendFailure{Class: ClassFail, Code: 131026, Title: "Message undeliverable"}
	})
	r.graph.answer("token", func(int) (string, error) {
		return "", &SendFailure{Class: ClassReauth, Code: 190, Title: "Error validating access token"}
	})
	r.record(t, tenant, "transient", true)
	waitFor(t, "sent after transient errors", func() bool { return r.row(t, "transient").State == persistence.OutboxSent })
	if n, _ := r.graph.sends("transient"); n != 3 {
		t.Fatalf("transient: %d attempts", n)
	}
	r.record(t, tenant, "outage", true)
	waitFor(t, "sent after an outage", func() bool { return r.row(t, "outage").State == persistence.OutboxSent })
	if n, _ := r.graph.sends("outage"); n != 8 {
		t.Fatalf("outage: %d attempts", n)
	}
	r.record(t, tenant, "bad", true)
	waitFor(t, "failed", func() bool { return r.message(t, tenant, "bad").Status == StatusFailed })
	if m := r.message(t, tenant, "bad"); m.Status != StatusFailed || m.Error == nil || m.Error.Code != 131026 || m.Error.Title != "Message undeliverable" || m.Error.Reason != ReasonMeta {
		t.Fatalf("failed message: %+v", m)
	}
	r.record(t, tenant, "token", true)
	waitFor(t, "re-authorisation flagged", func() bool { _, ok := r.flags.Load(tenant); return ok })
	waitFor(t, "message back in the queue", func() bool { return r.row(t, "token").State == persistence.OutboxQueued })
	var refused *SendRefusedError
	if _, err := r.client.PrepareSend(t.Context(), tenant, nil); !errors.As(err, &refused) || refused.Code != FailureNeedsReauth {
		t.Fatalf("prepare after 190: %v", err)
	}
	// The API's path refuses the same way, and stores nothing.
	if _, err := r.client.QueueOutbound(t.Context(), &QueueOutbound{Message: outboxRow(tenant, "after190")}); !errors.As(err, &refused) || refused.Code != FailureNeedsReauth {
		t.Fatalf("queue after 190: %v", err)
	}
	if _, err := r.store.Outbox().Get(t.Context(), "after190"); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("a refused send was stored: %v", err)
	}
	if n, _ := r.graph.sends("token"); n != 1 {
		t.Fatalf("a dead token was used %d times", n)
	}
}

// Meta's 190 for a token that was replaced while the send was out says nothing of the new
// token: a send still out with the old one when a signup stored a new one must not mark the
// new one dead, here or in the directory; it goes out again with the new token.
func TestSenderLate190ForAReplacedToken(t *testing.T) {
	r := sharedSender(t)
	tenant := r.limitedTenant(t, 1000) // templates to two new customers
	id := func(name string) string { return "late190-" + name + "-" + tenant }
	reject := func(int) (string, error) {
		return "", &SendFailure{Class: ClassReauth, Code: 190, Title: "Error validating access token"}
	}
	release := make(chan struct{})
	r.graph.answer(id("slow"), func(n int) (string, error) {
		if n == 1 {
			<-release // out with the old token until the signup is done
			return reject(n)
		}
		return "wamid.slow", nil
	})
	r.graph.answer(id("first"), func(n int) (string, error) {
		if n == 1 {
			return reject(n)
		}
		return "wamid.first", nil
	})
	if _, err := r.queueTo(t, tenant, id("slow"), "5511820000001", true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the slow send out", func() bool { n, _ := r.graph.sends(id("slow")); return n == 1 })
	if _, err := r.queueTo(t, tenant, id("first"), "5511820000002", true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "re-authorisation flagged", func() bool {
		tn, err := r.store.Directory().TenantByID(t.Context(), tenant)
		return err == nil && tn.NeedsReauth
	})

	// The customer reconnects: a new token, the flag cleared (what a signup stores).
	tn, err := r.store.Directory().TenantByID(t.Context(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	tn.AccessToken = persistence.SealedSecret{KeyID: "k1", Nonce: []byte{2}, Ciphertext: []byte("sealed-" + tenant + "-2")}
	tn.NeedsReauth, tn.UpdatedAt = false, time.Now().UTC()
	if err := r.store.Directory().UpdateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	// A refusal rests on a fresh read of the directory, so once this prepare succeeds the
	// sender holds the new token.
	waitFor(t, "sends allowed with the new token", func() bool {
		_, err := r.client.PrepareSend(t.Context(), tenant, nil)
		return err == nil
	})

	close(release) // the old token's late 190
	newToken := "token-" + tenant + "-2"
	for _, name := range []string{"slow", "first"} {
		waitFor(t, name+" sent with the new token", func() bool { return r.row(t, id(name)).State == persistence.OutboxSent })
		if n, tok := r.graph.sends(id(name)); n != 2 || tok != newToken {
			t.Fatalf("%s: %d sends, the last with %q; want 2, the last with %q", name, n, tok, newToken)
		}
	}
	if _, err := r.client.PrepareSend(t.Context(), tenant, nil); err != nil {
		t.Fatalf("the late 190 refused the new token: %v", err)
	}
	if tn, err := r.store.Directory().TenantByID(t.Context(), tenant); err != nil || tn.NeedsReauth {
		t.Fatalf("directory after the late 190: needsReauth %v (%v)", tn.NeedsReauth, err)
	}
}

// An outcome the store will not take for longer than its write may retry (an outage) is
// written again until it lands: the row must not stay "sending" for as long as the
// activation lives, and the message is not sent again.
func TestSenderWritesAnOutcomeAgainAfterAStoreOutage(t *testing.T) {
	r := quickSender(t)
	tenant := r.newTenant(t)
	id := "outage-" + tenant
	release := make(chan struct{})
	r.graph.answer(id, func(int) (string, error) {
		<-release
		return "wamid.outage", nil
	})
	r.record(t, tenant, id, true)
	waitFor(t, "the send out", func() bool { n, _ := r.graph.sends(id); return n == 1 })
	r.outage.refuseWrites(id, 3*quickSendTimeout/2) // longer than the rig's SendTimeout
	close(release)
	waitFor(t, "the outcome written once the store is back", func() bool {
		row := r.row(t, id)
		return row.State == persistence.OutboxSent && row.WAMID == "wamid.outage"
	})
	if n, _ := r.graph.sends(id); n != 1 {
		t.Fatalf("sent %d times", n)
	}
}

// Meta refuses a message while its conversation cannot record anything: no status webhook
// will ever tell the conversation of a refusal, so the failure is not written to the outbox
// (and left out of the conversation for good) but settled again, conversation first, until
// the conversation takes it.
func TestSenderTellsTheConversationOfAFailureAfterItsOutage(t *testing.T) {
	r := quickSender(t)
	tenant := r.newTenant(t)
	id := "conv-outage-" + tenant
	release := make(chan struct{})
	r.graph.answer(id, func(int) (string, error) {
		<-release
		return "", &SendFailure{Class: ClassFail, Code: 131026, Title: "Message undeliverable"}
	})
	r.record(t, tenant, id, true)
	waitFor(t, "the send out", func() bool { n, _ := r.graph.sends(id); return n == 1 })
	r.outage.refuseWrites(ConversationIdentity(tenant, customer), 3*quickSendTimeout/2) // longer than SendTimeout
	close(release)
	waitFor(t, "the conversation shows the failure", func() bool {
		got, err := r.client.Message(t.Context(), tenant, customer, id)
		return err == nil && got.Found && got.Message.Status == StatusFailed && got.Message.Error != nil && got.Message.Error.Code == 131026
	})
	waitFor(t, "the outbox row failed", func() bool { return r.row(t, id).State == persistence.OutboxFailed })
	if n, _ := r.graph.sends(id); n != 1 {
		t.Fatalf("sent %d times", n)
	}
}

// A restriction (131048 spam rate limit) pauses the tenant's sends for PauseFor, kept in
// its snapshot: the message waits queued, new sends are refused with the reason.
func TestSenderPausesOnRestriction(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	r.graph.answer("spam", func(int) (string, error) {
		return "", &SendFailure{Class: ClassPauseTenant, Code: 131048, Title: "Spam rate limit hit"}
	})
	r.record(t, tenant, "spam", true)
	waitFor(t, "message back in the queue", func() bool {
		row := r.row(t, "spam")
		return row.State == persistence.OutboxQueued && row.Attempts == 1
	})
	var refused *SendRefusedError
	_, err := r.client.PrepareSend(t.Context(), tenant, nil)
	if !errors.As(err, &refused) || refused.Code != FailureSendingPaused || !strings.Contains(refused.Reason, "Spam rate limit hit") {
		t.Fatalf("prepare while paused: %v", err)
	}
	st, err := r.client.TenantState(t.Context(), tenant)
	if err != nil || !st.SendsPausedUntil.After(time.Now().Add(59*time.Minute)) {
		t.Fatalf("pause not in the tenant's state: %v %+v", err, st)
	}
	if n, _ := r.graph.sends("spam"); n != 1 {
		t.Fatalf("a restricted number was sent to %d times", n)
	}
}

// An access refusal (10 permission) pauses the tenant as a restriction does, and counts one
// of the message's attempts, kept with its row: it may be about this message alone, which
// goes first at each re-check. The restriction (131048) counts none.
func TestAnAccessPauseCountsAnAttempt(t *testing.T) {
	r := sharedSender(t)
	for _, tc := range []struct {
		name string
		fail *SendFailure
		want int
	}{
		{"10 permission", &SendFailure{Class: ClassPauseTenant, Code: 10, Title: "Permission denied", AccessLost: true}, 1},
		{"131048 spam limit", &SendFailure{Class: ClassPauseTenant, Code: 131048, Title: "Spam rate limit hit"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tenant := r.newTenant(t)
			id := "access-" + tenant
			r.graph.answer(id, func(int) (string, error) { return "", tc.fail })
			r.record(t, tenant, id, true)
			waitFor(t, "message back in the queue", func() bool {
				row := r.row(t, id)
				return row.State == persistence.OutboxQueued && row.Attempts == 1
			})
			if row := r.row(t, id); row.Transient != tc.want || row.ErrorCode != tc.fail.Code {
				t.Fatalf("row counts %d transient failures (error %d), want %d (%d)", row.Transient, row.ErrorCode, tc.want, tc.fail.Code)
			}
		})
	}
}

// The same restriction reported asynchronously — Meta accepted the send, then failed it with
// 131042 (a payment problem) in a status webhook — pauses the tenant's sends too (WHATSAPP.md
// §2.2: handle both paths for the same code); a failed status with an ordinary code does not.
func TestSenderPausesOnAnAsynchronousRestriction(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	failed := func(id, wamid string, code int, title string, pauses bool) {
		t.Helper()
		_, err := r.client.Deliver(t.Context(), customer, &Deliver{TenantID: tenant, Contact: Contact{WaID: customer},
			Statuses: []StatusUpdate{{WAMID: wamid, Status: StatusFailed, Timestamp: time.Now(), CallbackData: id, Placed: true,
				Error: &MessageError{Code: code, Title: title}, PausesSends: pauses}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"async-ok-" + tenant, "async-pay-" + tenant} {
		r.record(t, tenant, id, true)
		waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	}
	failed("async-ok-"+tenant, r.row(t, "async-ok-"+tenant).WAMID, 131026, "Message undeliverable", false)
	waitFor(t, "the failure recorded", func() bool {
		got, err := r.client.Message(t.Context(), tenant, customer, "async-ok-"+tenant)
		return err == nil && got.Found && got.Message.Status == StatusFailed
	})
	if _, err := r.client.PrepareSend(t.Context(), tenant, nil); err != nil {
		t.Fatalf("an undeliverable message paused the tenant: %v", err)
	}
	failed("async-pay-"+tenant, r.row(t, "async-pay-"+tenant).WAMID, 131042, "Business eligibility payment issue", true)
	var refused *SendRefusedError
	waitFor(t, "sends paused", func() bool {
		_, err := r.client.PrepareSend(t.Context(), tenant, nil)
		return errors.As(err, &refused) && refused.Code == FailureSendingPaused && strings.Contains(refused.Reason, "payment issue")
	})
	if st, err := r.client.TenantState(t.Context(), tenant); err != nil || !st.SendsPausedUntil.After(time.Now().Add(59*time.Minute)) {
		t.Fatalf("pause not in the tenant's state: %v %+v", err, st)
	}
}

// QueueOutbound (the REST edge's path): a message that can leave at once is claimed by its
// insert — the row is sending before Meta answers — and one that would overtake another
// message to the same customer is stored queued and goes after it. Each is sent once, in
// order; a row without an id is refused.
func TestQueueOutboundClaimsAtInsertOnlyWhenNothingWaits(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	release := make(chan struct{})
	var order []string
	var mu sync.Mutex
	r.graph.answer("ins1", func(n int) (string, error) {
		<-release
		mu.Lock()
		order = append(order, "ins1")
		mu.Unlock()
		return fmt.Sprintf("wamid.ins1.%d", n), nil
	})
	r.graph.answer("ins2", func(n int) (string, error) {
		mu.Lock()
		order = append(order, "ins2")
		mu.Unlock()
		return fmt.Sprintf("wamid.ins2.%d", n), nil
	})

	first := outboxRow(tenant, "ins1")
	if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: first}); err != nil {
		t.Fatal(err)
	}
	if row := r.row(t, "ins1"); row.State != persistence.OutboxSending || row.Attempts != 1 {
		t.Fatalf("idle number: stored %s (attempt %d), want claimed at insert", row.State, row.Attempts)
	}
	if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: outboxRow(tenant, "ins2")}); err != nil {
		t.Fatal(err)
	}
	if row := r.row(t, "ins2"); row.State != persistence.OutboxQueued {
		t.Fatalf("customer's lane busy: stored %s, want queued", row.State)
	}
	close(release)
	for _, id := range []string{"ins1", "ins2"} {
		waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
		if n, tok := r.graph.sends(id); n != 1 || tok != "token-"+tenant {
			t.Fatalf("%s sent %d times, last with token %q", id, n, tok)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(order) != "[ins1 ins2]" {
		t.Fatalf("sent in order %v", order)
	}

	if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: outboxRow(tenant, "")}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a row without an id: %v, want ErrInvalid", err)
	}
}

// A QueueOutbound whose id the outbox already holds (an Idempotency-Key's repeat, or a retry
// after an activation died) is answered with the stored row and sends nothing: while the
// first try is in flight (its insert path) and after it was sent (the claim-at-insert path,
// whose conflicting insert must let go of its claim). The same id with another request is
// refused and changes nothing.
func TestQueueOutboundReplaysAnEarlierTry(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	release := make(chan struct{})
	r.graph.answer("rep1", func(n int) (string, error) {
		<-release
		return fmt.Sprintf("wamid.rep1.%d", n), nil
	})
	queue := func(row persistence.OutboxMessage) (*Queued, error) {
		row.CreatedAt = time.Now().UTC() // a later try is a new request with the same content
		return r.client.QueueOutbound(ctx, &QueueOutbound{Message: row})
	}
	first := outboxRow(tenant, "rep1")
	if q, err := queue(first); err != nil || q.Replay != nil {
		t.Fatalf("first try: %+v, %v", q, err)
	}
	if q, err := queue(first); err != nil || q.Replay == nil || q.Replay.State != persistence.OutboxSending || q.Replay.ID != "rep1" {
		t.Fatalf("repeat while the first is in flight: %+v, %v; want the stored sending row", q, err)
	}
	other := first
	other.Request = []byte(`{"messaging_product":"whatsapp","to":"+` + customer + `","type":"text","text":{"body":"something else"},"biz_opaque_callback_data":"rep1"}`)
	var refused *SendRefusedError
	if _, err := queue(other); !errors.As(err, &refused) || refused.Code != FailureIdempotencyReused {
		t.Fatalf("another message under the same id: %v, want %s", err, FailureIdempotencyReused)
	}
	close(release)
	waitFor(t, "rep1 sent", func() bool { return r.row(t, "rep1").State == persistence.OutboxSent })
	if !bytes.Equal(r.row(t, "rep1").Request, first.Request) {
		t.Fatalf("the refused request changed the stored row")
	}
	q, err := queue(first)
	if err != nil || q.Replay == nil || q.Replay.State != persistence.OutboxSent || q.Replay.WAMID != "wamid.rep1.1" {
		t.Fatalf("repeat after the send: %+v, %v; want the sent row", q, err)
	}
	// The next message to the customer is claimed at insert: the conflicting repeat let go.
	if q, err := queue(outboxRow(tenant, "rep2")); err != nil || q.Replay != nil {
		t.Fatalf("next message: %+v, %v", q, err)
	}
	if row := r.row(t, "rep2"); row.State != persistence.OutboxSending && row.State != persistence.OutboxSent {
		t.Fatalf("next message stored %s, want claimed at insert", row.State)
	}
	waitFor(t, "rep2 sent", func() bool { return r.row(t, "rep2").State == persistence.OutboxSent })
	if n, _ := r.graph.sends("rep1"); n != 1 {
		t.Fatalf("rep1 sent %d times", n)
	}
}

// An insert whose call the API refused was withdrawn (failed, never sent); the call's repeat
// revives it, is accepted like a new send, and the message goes out once.
func TestQueueOutboundRevivesAWithdrawnInsert(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	row := outboxRow(tenant, "wd1")
	claim := row
	claim.State, claim.Attempts = persistence.OutboxSending, 1
	if err := r.store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{claim}); err != nil {
		t.Fatal(err)
	}
	withdrawInsert(r.store.Outbox(), claim, slog.Default())
	if got := r.row(t, "wd1"); !Withdrawn(got) {
		t.Fatalf("withdrawn row stored as %+v", got)
	}
	if q, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: row}); err != nil || q.Replay != nil {
		t.Fatalf("repeat of a refused call: %+v, %v; want accepted anew", q, err)
	}
	waitFor(t, "wd1 sent", func() bool { return r.row(t, "wd1").State == persistence.OutboxSent })
	if n, _ := r.graph.sends("wd1"); n != 1 {
		t.Fatalf("wd1 sent %d times", n)
	}
}

// A tenant's backlog is bounded to QueueWindow of sending at its rate (10 s × 1 msg/s here):
// the send beyond is refused with FailureQueueFull and stores nothing, and sends accepted
// before it all go out.
func TestQueueOutboundRefusesBeyondTheBacklogBound(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t, 1)
	ctx := t.Context()
	const bound = 10
	ids := make([]string, 0, bound)
	for i := range bound {
		row := outboxRow(tenant, fmt.Sprintf("bl%d-%s", i, tenant))
		row.Recipient, row.ConversationID = fmt.Sprintf("+55118%08d", i), ConversationID(tenant, fmt.Sprintf("55118%08d", i))
		if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: row}); err != nil {
			t.Fatalf("send %d of %d: %v", i+1, bound, err)
		}
		ids = append(ids, row.ID)
	}
	over := outboxRow(tenant, "over-"+tenant)
	var refused *SendRefusedError
	if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: over}); !errors.As(err, &refused) || refused.Code != FailureQueueFull ||
		!strings.Contains(refused.Reason, "10 messages") {
		t.Fatalf("send beyond the bound: %v, want %s naming the backlog", err, FailureQueueFull)
	}
	if _, err := r.store.Outbox().Get(ctx, over.ID); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("the refused send was stored: %v", err)
	}
	waitFor(t, "the first sends out", func() bool { return r.row(t, ids[0]).State == persistence.OutboxSent })
}

// A message still queued past its validity (an hour here, or its own ExpiresAt when sooner)
// is failed "expired" when its lane would hand it to Meta: never sent, and its conversation
// shows it failed. The message queued between them for the same customer goes out as usual.
func TestSenderExpiresAMessageQueuedTooLong(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	stale := outboxRow(tenant, "exp1-"+tenant)
	stale.CreatedAt = time.Now().Add(-2 * time.Hour).UTC() // accepted before a long pause, say
	fresh := outboxRow(tenant, "exp2-"+tenant)
	short := outboxRow(tenant, "exp3-"+tenant) // accepted now, valid for less than has passed
	short.ExpiresAt = time.Now().Add(-time.Second).UTC()
	if err := r.store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{stale, fresh, short}); err != nil {
		t.Fatal(err)
	}
	for _, row := range []persistence.OutboxMessage{stale, fresh, short} {
		m, _ := OutboundMessage(row.ID, row.Request, row.CreatedAt)
		if _, err := r.client.RecordOutbound(ctx, tenant, customer, m); err != nil {
			t.Fatal(err)
		}
		if err := r.client.SubmitOutbound(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the fresh message sent", func() bool { return r.row(t, fresh.ID).State == persistence.OutboxSent })
	waitFor(t, "the stale message settled", func() bool { return r.row(t, stale.ID).State == persistence.OutboxFailed })
	waitFor(t, "the short-lived message settled", func() bool { return r.row(t, short.ID).State == persistence.OutboxFailed })
	for _, id := range []string{stale.ID, short.ID} {
		if got := r.row(t, id); !strings.HasPrefix(got.ErrorTitle, "expired") || got.ErrorReason != ReasonExpired || Withdrawn(got) {
			t.Fatalf("row %+v, want failed as expired", got)
		}
		if n, _ := r.graph.sends(id); n != 0 {
			t.Fatalf("an expired message was sent %d times", n)
		}
	}
	waitFor(t, "the conversation shows it failed", func() bool {
		page, err := r.client.Messages(ctx, tenant, customer, ListMessages{Page: 1, Limit: 20})
		if err != nil {
			return false
		}
		for _, m := range page.Messages {
			if m.ID == stale.ID {
				return m.Status == StatusFailed && m.Error != nil && strings.HasPrefix(m.Error.Title, "expired") && m.Error.Reason == ReasonExpired
			}
		}
		return false
	})
}

// A message whose validity ends while the tenant may not send (here: its token rejected) is
// failed "expired" at its validity's end, not when sends resume: a one-time code must not
// say "queued" for the length of a pause.
//
// The staging needs the message's one send (which Meta refuses with 190) before its validity
// ends; a loaded machine may take longer than a short validity from enqueue to send, and
// then the message expires unsent in its lane, which is another test's case. Such a try is
// staged again with twice the validity (a new tenant, a new message), up to a last one that
// judges whatever happened.
func TestSenderExpiresWhileTheTenantIsBlocked(t *testing.T) {
	r := sharedSender(t)
	validity := 1500 * time.Millisecond
	for try := 1; ; try++ {
		if expiredWhileBlocked(t, r, validity, try == 4) {
			return
		}
		t.Logf("try %d: the message expired before its send (validity %v); again with twice the validity", try, validity)
		validity *= 2
	}
}

// expiredWhileBlocked stages TestSenderExpiresWhileTheTenantIsBlocked once with a message
// valid for validity, and checks it. It reports false, having checked nothing, when the
// message expired before its send and last is false.
func expiredWhileBlocked(t *testing.T, r *senderRig, validity time.Duration, last bool) bool {
	t.Helper()
	tenant := r.newTenant(t)
	ctx := t.Context()
	r.graph.answer("blocked-exp-"+tenant, func(int) (string, error) {
		return "", &SendFailure{Class: ClassReauth, Code: 190, Title: "Error validating access token"}
	})
	row := outboxRow(tenant, "blocked-exp-"+tenant)
	row.ExpiresAt = time.Now().Add(validity).UTC()
	if err := r.store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{row}); err != nil {
		t.Fatal(err)
	}
	m, _ := OutboundMessage(row.ID, row.Request, row.CreatedAt)
	if _, err := r.client.RecordOutbound(ctx, tenant, customer, m); err != nil {
		t.Fatal(err)
	}
	if err := r.client.SubmitOutbound(ctx, row); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message expired", func() bool { return r.row(t, row.ID).State == persistence.OutboxFailed })
	if n, _ := r.graph.sends(row.ID); n == 0 && !last {
		return false
	}
	waitFor(t, "re-authorisation flagged", func() bool { _, ok := r.flags.Load(tenant); return ok })
	if failedAt := r.row(t, row.ID).UpdatedAt; failedAt.Before(row.ExpiresAt) {
		t.Fatalf("failed at %v, before its validity ended at %v", failedAt, row.ExpiresAt)
	}
	if got := r.row(t, row.ID); !strings.HasPrefix(got.ErrorTitle, "expired") {
		t.Fatalf("row %+v, want failed as expired", got)
	}
	if n, _ := r.graph.sends(row.ID); n != 1 {
		t.Fatalf("sent %d times, want the one the 190 refused", n)
	}
	waitFor(t, "the conversation shows it failed", func() bool {
		got, err := r.client.Message(ctx, tenant, customer, row.ID)
		return err == nil && got.Found && got.Message.Status == StatusFailed
	})
	return true
}

// QueueOutbound does the API's whole send in one call. Free-form text needs the customer's
// window: the tenant vouches for it only from its copy of a summary showing it open, and
// otherwise answers ErrWindowUnvouched, storing nothing. With the window open the message is
// stored from the tenant's number (the caller's row names none), its record is in the
// conversation by the time the call returns, and it goes out once.
func TestQueueOutboundVouchesForTheWindowAndRecords(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	queue := func(id string) error {
		row := outboxRow(tenant, id)
		row.PhoneNumberID = ""
		m, err := OutboundMessage(id, row.Request, row.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.client.QueueOutbound(ctx, &QueueOutbound{Message: row, NeedsWindow: true, Record: &m})
		return err
	}
	if err := queue("nowin"); !errors.Is(err, ErrWindowUnvouched) {
		t.Fatalf("no conversation yet: %v, want ErrWindowUnvouched", err)
	}
	if _, err := r.store.Outbox().Get(ctx, "nowin"); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("an unvouched send was stored: %v", err)
	}
	_, err := r.client.Deliver(ctx, customer, &Deliver{TenantID: tenant, Contact: Contact{WaID: customer},
		Messages: []Message{{WAMID: "wamid.win." + tenant, Type: "text", Text: "oi", Timestamp: time.Now().UTC()}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := queue("win"); err != nil {
		t.Fatalf("window open: %v", err)
	}
	if m := r.message(t, tenant, "win"); m.Direction != Outbound || m.Text != "hi win" {
		t.Fatalf("the record right after the call: %+v", m)
	}
	waitFor(t, "sent", func() bool { return r.row(t, "win").State == persistence.OutboxSent })
	if row := r.row(t, "win"); row.PhoneNumberID == "" || row.PhoneNumberID == "1" {
		t.Fatalf("stored from number %q, want the tenant's", row.PhoneNumberID)
	}
	if n, tok := r.graph.sends("win"); n != 1 || tok != "token-"+tenant {
		t.Fatalf("sent %d times, last with token %q", n, tok)
	}
}

// Meta moves a number to 1,000 messages per second and says so with a
// phone_number_quality_update (THROUGHPUT_UPGRADE). A tenant with no rate of its own is
// paced at Meta's default until then — no second holds more than 80 of its sends — and
// faster from the event on, without a restart; the tier is part of the tenant's state.
func TestSenderFollowsAThroughputUpgrade(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	token := "token-" + tenant
	// sendBurst queues n messages to n different customers (so the pair limit stays out of
	// the way) and waits until each reached the Graph API.
	sendBurst := func(prefix string, n int) {
		t.Helper()
		rows := distinctRecipients(tenant, prefix, n)
		if err := r.store.Outbox().Enqueue(t.Context(), rows); err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if err := r.client.SubmitOutbound(t.Context(), row); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, prefix+" burst sent", func() bool {
			for _, row := range rows {
				if n, _ := r.graph.sends(row.ID); n == 0 {
					return false
				}
			}
			return true
		})
	}

	standard := time.Now()
	sendBurst("std", 200)
	if most := r.graph.busiestSecond(token, standard); most > 80 {
		t.Fatalf("before the upgrade a second held %d sends, over Meta's default of 80", most)
	}

	upgrade := TenantEvent{Field: "phone_number_quality_update", Time: time.Now(),
		Quality: &QualityUpdate{DisplayPhoneNumber: "15550123456", Event: EventThroughputUpgrade, CurrentLimit: "TIER_UNLIMITED"}}
	if err := r.client.RecordTenantEvents(t.Context(), tenant, []TenantEvent{upgrade}); err != nil {
		t.Fatal(err)
	}
	if st, err := r.client.TenantState(t.Context(), tenant); err != nil || !st.HighThroughput {
		t.Fatalf("tenant state after the upgrade: %+v, %v", st, err)
	}
	upgraded := time.Now()
	sendBurst("high", 400)
	// The first second of sends after the event: the sender re-reads the tenant's directory
	// entry every few seconds, and that alone must not be what raises the pace. The second
	// starts at the first send, not at the event: queueing the burst and claiming its first
	// messages take time a loaded machine stretches (claims are written side by side, so
	// slow ones delay the sends rather than thin them out).
	start := r.graph.firstSend(token, upgraded)
	if first := r.graph.sendsBetween(token, start, start.Add(time.Second)); first <= 80 {
		t.Fatalf("the first second of sends after the upgrade (%v after it) held %d, want more than 80", start.Sub(upgraded), first)
	}
	if most := r.graph.busiestSecond(token, upgraded); most > 1000 {
		t.Fatalf("after the upgrade a second held %d sends, over the upgraded tier's 1,000", most)
	}
}

// Meta's limit counts a number's inbound and outbound messages together: after 60 messages
// arrive within a second, a number paced at 80 has room for 20 sends in that second, not 80.
func TestSenderLeavesRoomForInboundMessages(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	tn, err := r.store.Directory().TenantByID(t.Context(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	// The sender knows its number once the directory is read; a first send makes sure.
	r.record(t, tenant, "warm-"+tenant, true)
	waitFor(t, "first send", func() bool { n, _ := r.graph.sends("warm-" + tenant); return n == 1 })

	received := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Go(func() {
			from := fmt.Sprintf("55218%08d", i)
			_, err := r.client.Deliver(t.Context(), from, &Deliver{TenantID: tenant, PhoneNumberID: tn.PhoneNumberID,
				Contact: Contact{WaID: from}, Messages: []Message{{WAMID: fmt.Sprintf("wamid.in.%s.%d", tenant, i), Type: "text", Text: "oi", Timestamp: received}}})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("after-in-%s-%d", tenant, i)
		to := fmt.Sprintf("55219%08d", i)
		row := outboxRow(tenant, ids[i])
		row.PhoneNumberID, row.Recipient, row.ConversationID = tn.PhoneNumberID, "+"+to, ConversationID(tenant, to)
		row.Request = fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+%s","type":"text","text":{"body":"oi"},"biz_opaque_callback_data":"%s"}`, to, ids[i])
		if err := r.store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{row}); err != nil {
			t.Fatal(err)
		}
		if err := r.client.SubmitOutbound(t.Context(), row); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "sends after the inbound burst", func() bool {
		for _, id := range ids {
			if n, _ := r.graph.sends(id); n == 0 {
				return false
			}
		}
		return true
	})
	if sent := r.graph.sendsBetween("token-"+tenant, received, received.Add(time.Second)); sent > 20 {
		t.Fatalf("%d sends in the second 60 messages arrived in, want at most 20 (80 in all)", sent)
	}
}

// A message found mid-send whose status webhook is stored but not yet processed (on MongoDB
// its conversation can be fenced for a minute by the process that died) is not resent when
// its wait ends: the pending webhook names it. Once nothing pending names it and still no
// status came, it is sent again — so the look at the inbox is what held it back.
func TestSenderWaitsForAStatusStillInTheInbox(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	id := "pending-" + tenant
	r.claimedBeforeACrash(t, tenant, id)
	webhook := persistence.InboxEntry{ID: "in-" + id, ReceivedAt: time.Now().UTC(), Body: fmt.Appendf(nil,
		`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.X","status":"sent","recipient_id":"%s","biz_opaque_callback_data":"%s"}]}}]}]}`, customer, id)}
	if err := r.store.Inbox().Append(ctx, []persistence.InboxEntry{webhook}); err != nil {
		t.Fatal(err)
	}
	if err := r.client.WakeOutbound(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "parked as unknown", func() bool { return r.row(t, id).State == persistence.OutboxUnknown })
	// The rig's wait is 300 ms: several waits end while the webhook is pending, each with a
	// look at the inbox. A look starts only once the one before was decided, and a message
	// decided to go again is not looked at any more, so a third look means two decided to
	// hold it.
	waitFor(t, "three looks at the pending webhook", func() bool { return r.outage.pendingSeen(webhook.ID) >= 3 })
	if n, _ := r.graph.sends(id); n != 0 {
		t.Fatalf("resent %d times while a status naming it waited in the inbox", n)
	}
	if err := r.store.Inbox().MarkProcessed(ctx, []string{webhook.ID}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "sent again once nothing names it", func() bool { n, _ := r.graph.sends(id); return n == 1 })
}

// Meta's messaging limit (here the legacy per-phone count, 3): templates to three new
// customers outside their window go; a fourth new customer is refused with when to retry,
// and nothing is stored; a repeat to a customer already counted, and a template inside an
// open window, still go. The conversations remember the business-initiated sends, which is
// what an activation rebuilds the count from.
func TestQueueOutboundKeepsToTheMessagingLimit(t *testing.T) {
	r := sharedSender(t)
	tenant := r.limitedTenant(t, 3)
	ctx := t.Context()
	seq := 0
	template := func(to string) error {
		seq++
		id := fmt.Sprintf("ml%d-%s", seq, tenant)
		row := outboxRow(tenant, id)
		row.PhoneNumberID, row.Recipient, row.ConversationID = "", "+"+to, ConversationID(tenant, to)
		row.Request = fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+%s","type":"template","template":{"name":"promo","language":{"code":"en_US"}},"biz_opaque_callback_data":"%s"}`, to, id)
		m, err := OutboundMessage(id, row.Request, row.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.client.QueueOutbound(ctx, &QueueOutbound{Message: row, Template: &TemplateRef{Name: "promo", Language: "en_US"}, Record: &m})
		return err
	}
	for i := range 3 {
		if err := template(fmt.Sprintf("55117%08d", i)); err != nil {
			t.Fatalf("new customer %d of 3: %v", i+1, err)
		}
	}
	var refused *SendRefusedError
	err := template("5511700000003")
	if !errors.As(err, &refused) || refused.Code != FailureMessagingLimit || refused.RetryAfter < 86_000 || refused.RetryAfter > 86_400 ||
		!strings.Contains(refused.Reason, "3 customers") {
		t.Fatalf("a fourth new customer: %v (%+v), want %s with about 24 h to wait", err, refused, FailureMessagingLimit)
	}
	if _, err := r.store.Outbox().Get(ctx, fmt.Sprintf("ml%d-%s", seq, tenant)); !errors.Is(err, persistence.ErrNotFound) {
		t.Fatalf("the refused template was stored: %v", err)
	}
	if err := template("5511700000001"); err != nil {
		t.Fatalf("a repeat to a counted customer: %v", err)
	}
	_, err = r.client.Deliver(ctx, "5511700000009", &Deliver{TenantID: tenant, Contact: Contact{WaID: "5511700000009"},
		Messages: []Message{{WAMID: "wamid.ml." + tenant, Type: "text", Text: "oi", Timestamp: time.Now().UTC()}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := template("5511700000009"); err != nil {
		t.Fatalf("a template inside the customer's window: %v", err)
	}
	for _, c := range []struct {
		to        string
		messages  int
		initiated bool
	}{{"5511700000000", 1, true}, {"5511700000001", 2, true}, {"5511700000009", 2, false}} {
		waitFor(t, "the record of "+c.to, func() bool {
			sum, err := r.client.Conversation(ctx, tenant, c.to)
			return err == nil && sum.MessageCount == c.messages && sum.LastInitiatedAt.IsZero() != c.initiated
		})
	}
}

// A template that never reaches Meta gives its customer's place under the messaging limit
// back: one Meta refuses (132001), one canceled while it waits in its lane. The conversations
// take them back too, so an activation rebuilding the count from them agrees.
func TestTemplatesThatNeverReachMetaGiveTheirPlaceBack(t *testing.T) {
	r := sharedSender(t)
	tenant := r.limitedTenant(t, 2)
	ctx := t.Context()
	id := func(name string) string { return "gb-" + name + "-" + tenant }
	queue := func(name, to string, template bool) error {
		_, err := r.queueTo(t, tenant, id(name), to, template)
		return err
	}
	const a, b, c, d = "5511800000001", "5511800000002", "5511800000003", "5511800000004"

	r.graph.answer(id("a"), func(int) (string, error) {
		return "", &SendFailure{Class: ClassFail, Code: 132001, Title: "Template name does not exist in the translation"}
	})
	if err := queue("a", a, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Meta refused a's template", func() bool { return r.row(t, id("a")).State == persistence.OutboxFailed })
	r.awaitInitiated(t, tenant, 0) // a's place given back

	// b's template waits behind a text to b that hangs at Meta.
	release := make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	r.graph.answer(id("text-b"), func(n int) (string, error) { <-release; return fmt.Sprintf("wamid.%s.%d", id("text-b"), n), nil })
	if err := queue("text-b", b, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the text to b at Meta", func() bool { n, _ := r.graph.sends(id("text-b")); return n == 1 })
	for _, st := range []struct{ name, to string }{{"b", b}, {"c", c}} {
		if err := queue(st.name, st.to, true); err != nil {
			t.Fatalf("template to %s, with a's place given back: %v", st.to, err)
		}
	}
	var refused *SendRefusedError
	if err := queue("d", d, true); !errors.As(err, &refused) || refused.Code != FailureMessagingLimit {
		t.Fatalf("a third new customer with the limit at 2: %v", err)
	}
	if _, err := r.client.CancelOutbound(ctx, tenant, ConversationID(tenant, b), id("b"), nil); err != nil {
		t.Fatalf("cancel b's template: %v", err)
	}
	if err := queue("d2", d, true); err != nil {
		t.Fatalf("template to a third customer once b's was canceled: %v", err)
	}
	close(release)
	for _, to := range []string{a, b} {
		waitFor(t, "the conversation of "+to+" takes its template back", func() bool {
			sum, err := r.client.Conversation(ctx, tenant, to)
			return err == nil && sum.LastInitiatedAt.IsZero()
		})
	}
	if n, _ := r.graph.sends(id("b")); n != 0 {
		t.Fatalf("the canceled template reached Meta %d times", n)
	}
}

// queueTo queues message id to customer to as the REST edge does: a text, or the template
// promo (en_US).
func (r *senderRig) queueTo(t *testing.T, tenant, id, to string, template bool) (*Queued, error) {
	t.Helper()
	row := outboxRow(tenant, id)
	row.PhoneNumberID, row.Recipient, row.ConversationID = "", "+"+to, ConversationID(tenant, to)
	q := &QueueOutbound{Message: row}
	if template {
		row.Request = fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+%s","type":"template","template":{"name":"promo","language":{"code":"en_US"}},"biz_opaque_callback_data":"%s"}`, to, row.ID)
		q.Message, q.Template = row, &TemplateRef{Name: "promo", Language: "en_US"}
	}
	m, err := OutboundMessage(row.ID, row.Request, row.CreatedAt)
	if err != nil {
		t.Fatal(err)
	}
	q.Record = &m
	return r.client.QueueOutbound(t.Context(), q)
}

// A repeated Idempotency-Key that reaches the tenant (it raced its first try past the edge's
// check) stores nothing, so it must not hold a customer's place under the messaging limit:
// neither a key reused for another customer (refused) nor a repeat of a template that never
// reached Meta (answered with the stored row).
func TestRepeatedSendsHoldNoPlaceUnderTheMessagingLimit(t *testing.T) {
	r := sharedSender(t)
	tenant := r.limitedTenant(t, 2)
	id := func(name string) string { return "rp-" + name + "-" + tenant }
	const a, b, c, d, e = "5511810000001", "5511810000002", "5511810000003", "5511810000004", "5511810000005"

	if _, err := r.queueTo(t, tenant, id("a"), a, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a's template sent", func() bool { return r.row(t, id("a")).State == persistence.OutboxSent })
	var refused *SendRefusedError
	if _, err := r.queueTo(t, tenant, id("a"), b, true); !errors.As(err, &refused) || refused.Code != FailureIdempotencyReused {
		t.Fatalf("a's key reused for another customer: %v", err)
	}

	r.graph.answer(id("c"), func(int) (string, error) {
		return "", &SendFailure{Class: ClassFail, Code: 132001, Title: "Template name does not exist in the translation"}
	})
	if _, err := r.queueTo(t, tenant, id("c"), c, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Meta refused c's template", func() bool { return r.row(t, id("c")).State == persistence.OutboxFailed })
	r.awaitInitiated(t, tenant, 1) // only a: c's place given back
	q, err := r.queueTo(t, tenant, id("c"), c, true)
	if err != nil || q.Replay == nil || q.Replay.State != persistence.OutboxFailed {
		t.Fatalf("c's template repeated: %+v, %v; want the failed row replayed", q, err)
	}

	// Only a is counted: one more customer fits under the limit of 2, and then no other.
	if _, err := r.queueTo(t, tenant, id("d"), d, true); err != nil {
		t.Fatalf("a second customer, with only a counted: %v", err)
	}
	if _, err := r.queueTo(t, tenant, id("e"), e, true); !errors.As(err, &refused) || refused.Code != FailureMessagingLimit {
		t.Fatalf("a third customer with the limit at 2: %v", err)
	}
	for _, name := range []string{"a", "c"} {
		if n, _ := r.graph.sends(id(name)); n != 1 {
			t.Fatalf("%s reached Meta %d times, want once", name, n)
		}
	}

	// A repeat while its first try is still on its way leaves the first try's admission in
	// place, even before the conversation reports it (its write-behind holds the record).
	tenant2 := r.limitedTenant(t, 2)
	id2 := func(name string) string { return "rp-" + name + "-" + tenant2 }
	release := make(chan struct{})
	defer close(release)
	r.graph.answer(id2("x"), func(n int) (string, error) { <-release; return fmt.Sprintf("wamid.%s.%d", id2("x"), n), nil })
	if _, err := r.queueTo(t, tenant2, id2("x"), a, true); err != nil {
		t.Fatal(err)
	}
	if q, err := r.queueTo(t, tenant2, id2("x"), a, true); err != nil || q.Replay == nil {
		t.Fatalf("x repeated while on its way: %+v, %v; want the stored row replayed", q, err)
	}
	if _, err := r.queueTo(t, tenant2, id2("y"), b, true); err != nil {
		t.Fatalf("a second customer: %v", err)
	}
	if _, err := r.queueTo(t, tenant2, id2("z"), c, true); !errors.As(err, &refused) || refused.Code != FailureMessagingLimit {
		t.Fatalf("a third customer while x is on its way, with the limit at 2: %v", err)
	}
}

// awaitInitiated waits until the tenant counts n customers against its messaging limit. A
// row reads failed once its write lands, but the tenant gives the template's place back only
// when that write's answer reaches it, which on a loaded machine can come after the test's
// next request.
func (r *senderRig) awaitInitiated(t *testing.T, tenant string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("the tenant counting %d customer(s)", n), func() bool {
		st, err := r.client.SendingStatus(t.Context(), tenant)
		return err == nil && st.Initiated == n
	})
}

// limitedTenant is a new tenant with the template promo (en_US) approved and Meta's
// messaging limit at limit customers (the legacy per-phone count).
func (r *senderRig) limitedTenant(t *testing.T, limit int) string {
	t.Helper()
	tenant := r.newTenant(t)
	events := []TenantEvent{
		{Field: "message_template_status_update", Time: time.Now(), Template: &TemplateUpdate{ID: 7, Name: "promo", Language: "en_US", Status: TemplateApproved}},
		{Field: "business_capability_update", Time: time.Now(), Capability: map[string]string{capabilityPerPhone: fmt.Sprint(limit)}},
	}
	if err := r.client.RecordTenantEvents(t.Context(), tenant, events); err != nil {
		t.Fatal(err)
	}
	return tenant
}

// Regression: a claim (queued → sending) whose write landed but whose answer was lost (a
// timeout) was retried as a new claim, with a new time; the outbox refused it, the row being
// "sending" already, and the sender let the message go as "claimed elsewhere". Nothing sent
// it: the row stayed "sending" until the tenant's next activation (for a busy tenant, the next
// restart), and the conversation said "queued". A claim whose outcome is unknown is now
// retried as the same write, which the outbox recognises as its own.
func TestSenderSendsAMessageWhoseClaimAnswerWasLost(t *testing.T) {
	r := quickSender(t) // the lost answer comes at the write's deadline, SendTimeout
	tenant := r.newTenant(t)
	id := "claim-lost-" + tenant
	r.outage.loseClaimAnswer(id)
	r.record(t, tenant, id, true)
	waitFor(t, "the message sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	if n, _ := r.graph.sends(id); n != 1 {
		t.Fatalf("%d sends, want 1", n)
	}
}
