package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/internal/testenv"
)

// Regression: a template sync saves the tenant's snapshot every time, and a save the store
// refused stopped the tenant with its sends in flight. Their answers were dropped; the rows
// stayed sending until another activation parked them as unknown and, with no status from
// Meta within the reconciliation's wait, sent them again. Staged on MongoDB the way it
// happens there: the store refuses the save while it still holds the grain's version (see
// fenceTenantSnapshot). The tenant sends one message a second and
// Meta answers each after 1.5 s, so sends are always in flight when the sync's save is
// refused; Meta's status webhooks come minutes late, so nothing but the tenant's own
// answers can settle them before the reconciliation's minute. The sync fails (503), the
// tenant keeps sending, and every message reaches Meta once.
func TestTemplateSyncSaveRefusedKeepsTheTenantSending(t *testing.T) {
	cfg := fakemeta.DefaultConfig()
	cfg.Latency = 1500 * time.Millisecond
	// No BSUIDs beside the wa_id: teaching the tenant one is a save of its own, which
	// could take the version the test fences (it did, once fakemeta sent them).
	cfg.NoInboundUserIDs, cfg.Statuses.NoContacts = true, true
	r := startWithMeta(t, enginetest.Mongo, cfg, map[string]string{"OUTBOUND_RECONCILE_AFTER": "1m"})
	tenantAdmin := r.Login(demoEmail, demoPassword)
	// A first sync stores the tenant's snapshot (version 1 is an insert, which takes no fence).
	if res := r.Post("/api/v1/templates/sync", tenantAdmin, nil); res.Status != 200 {
		t.Fatalf("first sync: %d %s", res.Status, res.Body)
	}
	setRate(t, r, 1)
	eventually(t, 30*time.Second, func() bool {
		return r.tenantStatus(t, tenantAdmin, r.tenantA, 200).Throughput.MessagesPerSecond == 1
	}, func() string { return "the tenant never paced at 1 message a second" })

	const customer = "5511955550001"
	conv := r.customerWrites(t, r.tenantA, phoneA, customer)
	const n = 8
	r.meta.DelayNextStatuses(phoneA, 10*time.Minute, n, fakemeta.To(customer))
	unfence := fenceTenantSnapshot(t, r)
	var ids []string
	for i := range n {
		ids = append(ids, r.send(t, tenantAdmin, conv, fmt.Sprint("pedido ", i)).ID)
	}
	eventually(t, 30*time.Second, func() bool { return len(r.meta.Sent(phoneA)) >= 2 },
		func() string { return "no send reached Meta" })
	if res := r.Post("/api/v1/templates/sync", tenantAdmin, nil); res.Status != 503 {
		t.Fatalf("sync whose save the store refused: %d %s, want 503", res.Status, res.Body)
	}
	unfence()

	eventually(t, 40*time.Second, func() bool {
		for _, id := range ids {
			if m, ok := messageIn(t, r.Node, tenantAdmin, conv, id); !ok || m.Status != "sent" {
				return false
			}
		}
		return true
	}, func() string {
		return fmt.Sprintf("not every message settled sent; Meta got %v", sentTimes(r.meta, phoneA))
	})
	for id, times := range sentTimes(r.meta, phoneA) {
		if times != 1 {
			t.Fatalf("message %s reached Meta %d times", id, times)
		}
	}
	if res := r.Post("/api/v1/templates/sync", tenantAdmin, nil); res.Status != 200 {
		t.Fatalf("sync after the fence lapsed: %d %s", res.Status, res.Body)
	}
}

// setRate sets the tenant's messagesPerSecond in the directory.
func setRate(t *testing.T, r *metaRig, rate int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir := r.Engine.Store().Directory()
	tn, err := dir.TenantByID(ctx, r.tenantA)
	if err != nil {
		t.Fatal(err)
	}
	tn.MessagesPerSecond = rate
	if err := dir.UpdateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
}

// fenceTenantSnapshot makes the store refuse the tenant snapshot's next version while it still
// holds the current one, as a save that failed with nothing written leaves it: it plants a
// document under that version's _id (persistence/mongo stores each version as a document of
// its own, doc.go "Versions") that is no snapshot of the tenant, so Load still reads the
// current version and the next version's insert is refused as a duplicate. The returned func
// removes it.
func fenceTenantSnapshot(t *testing.T, r *metaRig) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	snapshots := c.Database(r.Database).Collection("snapshots")
	// The next version, planted: a save of its own the tenant makes between the read and the
	// plant takes it first, and then the one after is planted.
	var id string
	for try := 0; ; try++ {
		snap, err := r.Engine.Store().Snapshots().Load(ctx, actors.KindTenant, r.tenantA)
		if err != nil {
			t.Fatal(err)
		}
		id = fmt.Sprintf("%s/%s#%020d", actors.KindTenant, r.tenantA, snap.Version+1)
		_, err = snapshots.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "kind", Value: "planted-refusal"}})
		if err == nil {
			break
		}
		if !mongo.IsDuplicateKeyError(err) || try == 5 {
			t.Fatal(err)
		}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := snapshots.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			t.Fatal(err)
		}
	}
}
