package actors

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/mongo"
)

// durablePolicy is the shared sender's policy, for the private nodes of these tests.
var durablePolicy = OutboundPolicy{ReconcileAfter: 300 * time.Millisecond, QueueWindow: 10 * time.Second,
	Validity: time.Hour, SendTimeout: 5 * time.Second, BusyRetry: sharedBusyRetry}

// stoppableSender is a node of its own on store, as privateSender, with its stop: the test
// stops it and starts another on the same store, as a restart does.
func stoppableSender(t *testing.T, store *outageStore) (*senderRig, func()) {
	t.Helper()
	r := &senderRig{store: store, outage: store, graph: newFakeGraph()}
	node, err := cluster.Start(cluster.Options{ClusterName: "durable-resend", Addr: "127.0.0.1:0", Codec: Codec(),
		Kinds: Kinds(&Deps{Store: store, Graph: r.graph, Secrets: tenantSecrets{}, Outbound: durablePolicy})})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			node.Stop(context.Background())
		}
	}
	t.Cleanup(stop)
	r.client = NewClient(node)
	return r, stop
}

// keeperRound runs one round of the outbox keeper on r's node and returns how many tenants
// it woke.
func (r *senderRig) keeperRound(t *testing.T) int {
	t.Helper()
	n, err := NewOutboxKeeper(r.client, r.store.Outbox(), slog.New(slog.NewTextHandler(io.Discard, nil))).Round(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// keeperWakesOne runs keeper rounds until one wakes a tenant, and fails if a round wakes more
// than one (each test's store holds one tenant with due work): a wake whose activation outlasts
// the keeper's wake timeout on a loaded machine counts none, and the real keeper's next round
// wakes it again, as these rounds do.
func (r *senderRig) keeperWakesOne(t *testing.T, why string) {
	t.Helper()
	waitFor(t, "the keeper waking the tenant with "+why, func() bool {
		n := r.keeperRound(t)
		if n > 1 {
			t.Fatalf("the keeper woke %d tenants, want the one with %s", n, why)
		}
		return n == 1
	})
}

// wantResendDecided checks, once a decision had time to act twice over, that message id
// went out sends more times from r's node, and that its row shows that: sent again as a new
// attempt retracting wamid.first, or settled sent as wamid.first.
func (r *senderRig) wantResendDecided(t *testing.T, id string, sends int) {
	t.Helper()
	r.wantResendDecidedAfter(t, id, 0, sends)
}

// wantResendDecidedAfter is wantResendDecided for a message r's node sent earlier times
// before the decision.
func (r *senderRig) wantResendDecidedAfter(t *testing.T, id string, earlier, sends int) {
	t.Helper()
	if sends > 0 {
		waitFor(t, "the message sent again", func() bool { n, _ := r.graph.sends(id); return n == earlier+sends })
	}
	waitFor(t, "the decision written", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	time.Sleep(time.Second + 3*sharedBusyRetry) // the first resend's longest backoff, and slack
	if n, _ := r.graph.sends(id); n != earlier+sends {
		t.Fatalf("sent %d more times, want %d", n-earlier, sends)
	}
	row := r.row(t, id)
	switch {
	case sends == 0 && (row.State != persistence.OutboxSent || row.WAMID != "wamid.first" || len(row.Retracted) != 0):
		t.Fatalf("row %+v, want sent as wamid.first with nothing retracted", row)
	case sends > 0 && (row.State != persistence.OutboxSent || row.WAMID == "wamid.first" || !slices.Equal(row.Retracted, []string{"wamid.first"})):
		t.Fatalf("row %+v, want sent as a new attempt retracting wamid.first", row)
	}
}

// markedRetryable stores message id as a decision's mark leaves it: sent as wamid.first, then
// retryable with Meta's 131000, its conversation showing the attempt failed (and delivered as
// well when delivered).
func (r *senderRig) markedRetryable(t *testing.T, tenant, id string, delivered bool) {
	t.Helper()
	r.storedAs(t, tenant, id, persistence.OutboxSent, "wamid.first")
	r.failedStatus(t, tenant, id, "wamid.first", 131026, false) // the conversation's record of the failure
	if delivered {
		r.status(t, tenant, id, "wamid.first", StatusDelivered)
	}
	// The statuses' word activates the tenant, whose recovery lists retryable rows: the mark
	// is written after it, or that activation decided it and a keeper after a crash found
	// nothing to wake (CI: "timed out waiting for the keeper waking the tenant").
	r.caughtUp(t, tenant)
	row := r.row(t, id)
	row.State, row.ErrorCode, row.ErrorTitle = persistence.OutboxRetryable, 131000, "Something went wrong"
	if err := r.store.Outbox().Transition(t.Context(), persistence.OutboxSent, row); err != nil {
		t.Fatal(err)
	}
}

// redecidedCase is one end of a decision taken again, on one store: the conversation shows
// the failed attempt only (one resend), or delivered as well (none).
type redecidedCase struct {
	name, backend string
	delivered     bool
	sends         int
}

// redecidedOn is both ends on both stores: the retryable state is the store's to list.
func redecidedOn() []redecidedCase {
	var out []redecidedCase
	for _, backend := range []string{"embedded", "mongo"} {
		out = append(out,
			redecidedCase{name: backend + "/failed only", backend: backend, sends: 1},
			redecidedCase{name: backend + "/delivered as well", backend: backend, delivered: true})
	}
	return out
}

// durableStore is a fresh store of backend (the embedded one, or a new database on the test
// FerretDB: skipped outside CI without one), with the rig's outages.
func durableStore(t *testing.T, backend string) *outageStore {
	t.Helper()
	var store persistence.Store
	if backend == "embedded" {
		store = openStore(t, t.TempDir())
		t.Cleanup(func() { _ = store.Close(context.Background()) })
	} else {
		uri, db := testenv.MongoURI(t), testenv.UniqueName("sbresend_")
		var err error
		if store, err = mongo.Open(t.Context(), uri, db); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = store.Close(context.Background())
			testenv.DropDatabase(t, uri, db)
		})
	}
	return &outageStore{Store: store, down: map[string]time.Time{}}
}

// Meta fails an accepted attempt with its own trouble, the resend decision's question to the
// conversation goes unanswered, and the tenant's node stops before it is answered. The
// failure is written to the outbox row before the question (retryable), so the next
// activation — woken by the outbox keeper, as for any pending row — takes the decision
// again: the message goes once, or not at all when the conversation shows the attempt
// delivered. Before, the pending decision lived in memory only: the row stayed sent, and
// the message Meta asked us to retry was failed for good.
func TestUndecidedResendSurvivesAStop(t *testing.T) {
	for _, tc := range redecidedOn() {
		t.Run(tc.name, func(t *testing.T) {
			store := durableStore(t, tc.backend)
			r, stop := stoppableSender(t, store)
			tenant, id := r.failedWhileTheTenantIsDown(t, "durable-stop-", time.Hour)
			if tc.delivered {
				r.status(t, tenant, id, "wamid.first", StatusDelivered)
			}
			r.conversationDown(t, tenant, id, "wamid.first")
			store.refuseLoads(tenant, 0) // the failure's call reaches the tenant now
			waitFor(t, "the decision", func() bool { return store.outboxGets(id) > 0 })
			time.Sleep(2*deliveredAskTimeout + sharedBusyRetry) // its question unanswered
			// The failure is marked before the question: what the next process decides from.
			// This node has no Drain, so its stop does not wait for the decision: a mark
			// slower than the sleep (a loaded machine) would be cut off, the row left sent, and
			// the next keeper would find nothing to wake.
			waitFor(t, "the failure marked on the row", func() bool { return r.row(t, id).State == persistence.OutboxRetryable })
			stop()
			if n, _ := r.graph.sends(id); n != 0 {
				t.Fatalf("sent %d times before the conversation answered, want 0", n)
			}

			conv := ConversationIdentity(tenant, customer)
			store.refuseWrites(conv, 0)
			store.refuseLoads(conv, 0)
			next, _ := stoppableSender(t, store)
			next.keeperWakesOne(t, "a resend to decide")
			next.wantResendDecided(t, id, tc.sends)
		})
	}
}

// The process dies right after the failure was written to the row, before the decision
// (here: the row stored retryable, as that write left it, and the node stopped). The
// keeper of the next process wakes the tenant and the activation decides: one resend, or none when the conversation shows the attempt
// delivered.
func TestResendDecidedAfterACrash(t *testing.T) {
	for _, tc := range redecidedOn() {
		t.Run(tc.name, func(t *testing.T) {
			store := durableStore(t, tc.backend)
			r, stop := stoppableSender(t, store)
			tenant := r.newTenant(t)
			id := "durable-crash-" + tenant
			r.markedRetryable(t, tenant, id, tc.delivered)
			stop()
			next, _ := stoppableSender(t, store)
			next.keeperWakesOne(t, "a resend to decide")
			next.wantResendDecided(t, id, tc.sends)
		})
	}
}

// A cancel of a message whose resend is being decided is refused as it was before the
// failure was written to its row: the message is sent (the retryable state is the outbox's
// own, not a word of the API).
func TestCancelOfARetryableRowIsTooLate(t *testing.T) {
	for state, want := range map[persistence.OutboxState]string{
		persistence.OutboxRetryable: "the message is sent",
		persistence.OutboxSent:      "the message is sent",
		persistence.OutboxFailed:    "the message is failed",
	} {
		if got := storedTooLate(state).Reason; got != want {
			t.Errorf("cancel of a %s row refused as %q, want %q", state, got, want)
		}
	}
}

// GET /messages/…'s delivery shows the outbox state in the API's words: a row whose resend
// is being decided is sent, as before Meta's failure was written to it, with that failure
// as its last error.
func TestDeliveryOfARetryableRow(t *testing.T) {
	row := persistence.OutboxMessage{ID: "m1", State: persistence.OutboxRetryable, WAMID: "wamid.A", Attempts: 1,
		ErrorCode: 131000, ErrorTitle: "Something went wrong"}
	d := DeliveryOf(row)
	if d.State != persistence.OutboxSent || d.LastError == nil || d.LastError.Code != 131000 {
		t.Fatalf("delivery of a retryable row: %+v (last error %+v), want sent with 131000", d, d.LastError)
	}
}
