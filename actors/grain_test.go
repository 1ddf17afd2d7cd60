package actors

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
)

const tenantA = "aaaaaaaaaaaaaaaaaaaaaaaa"

func startGrains(t *testing.T, store persistence.Store, passivation time.Duration) *Client {
	t.Helper()
	return startKinds(t, Kinds(&Deps{Store: store, Passivation: passivation}))
}

// startKinds starts a node running the kinds and returns a client of it.
func startKinds(t *testing.T, kinds []cluster.Kind) *Client {
	t.Helper()
	node, err := cluster.Start(cluster.Options{
		ClusterName: "actors-test", Addr: "127.0.0.1:0", Codec: Codec(), Kinds: kinds,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Stop(context.Background()) })
	return NewClient(node)
}

func openStore(t *testing.T, dir string) persistence.Store {
	t.Helper()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGrainsPersistAcrossPassivationAndRestart(t *testing.T) {
	dir := t.TempDir()
	store := openStore(t, dir)
	client, watch := startGrainsWatched(t, store, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	d := &Deliver{TenantID: tenantA, Contact: Contact{WaID: "5511987654321", Name: "Ana"}}
	for i := range 40 {
		d.Messages = append(d.Messages, Message{WAMID: fmt.Sprint("wamid.", i), Type: "text", Text: fmt.Sprint("m", i),
			Timestamp: time.Unix(1767225600+int64(i), 0).UTC()})
	}
	for i := range 5 {
		r, err := client.Deliver(ctx, "5511987654321", d)
		if err != nil {
			t.Fatal(err)
		}
		if (i == 0 && r.Added != 40) || (i > 0 && r.Duplicates != 40) {
			t.Fatalf("delivery %d: %+v", i, r)
		}
	}
	if _, err := client.Conversation(ctx, tenantA, "5599999999999"); err == nil {
		t.Fatal("unknown conversation found")
	}

	watch.awaitEnded(t, KindConversation, ConversationIdentity(tenantA, "5511987654321"), 1) // passivated
	page, err := client.Messages(ctx, tenantA, "5511987654321", ListMessages{Page: 1, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 40 || len(page.Messages) != 20 || page.Messages[19].WAMID != "wamid.39" {
		t.Fatalf("page after passivation: total %d len %d", page.Total, len(page.Messages))
	}
	if r, _ := client.Deliver(ctx, "5511987654321", d); r.Duplicates != 40 {
		t.Fatalf("duplicates after reactivation: %+v", r)
	}
	list, err := client.Conversations(ctx, tenantA, &QueryConversations{Page: 1, Limit: 10})
	if err != nil || list.Total != 1 || list.Items[0].UnreadCount != 40 || list.Items[0].Contact.Name != "Ana" {
		t.Fatalf("list: %v %+v", err, list)
	}
	if s, err := client.MarkRead(ctx, tenantA, "5511987654321"); err != nil || s.UnreadCount != 0 {
		t.Fatalf("mark read: %v %+v", err, s)
	}

	// A new process over the same data: the tenant rebuilds its index from snapshots.
	_ = store.Close(ctx)
	store2 := openStore(t, dir)
	defer store2.Close(ctx)
	client2 := startGrains(t, store2, time.Minute)
	list, err = client2.Conversations(ctx, tenantA, &QueryConversations{Page: 1, Limit: 10})
	if err != nil || list.Total != 1 || list.Items[0].UnreadCount != 0 || list.Items[0].MessageCount != 40 {
		t.Fatalf("list after restart: %v %+v", err, list)
	}
}

// A duplicate delivery writes nothing; a lone preference change (no message) is persisted.
func TestDeliverFlushesOnlyWhatChanged(t *testing.T) {
	store := openStore(t, t.TempDir())
	client := startGrains(t, store, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := &Deliver{TenantID: tenantA, Contact: Contact{WaID: "5511911112222", Name: "Ana"},
		Messages: []Message{{WAMID: "wamid.flush.1", Type: "text", Text: "oi", Timestamp: time.Unix(1767225600, 0).UTC()}}}
	if _, err := client.Deliver(ctx, "5511911112222", d); err != nil {
		t.Fatal(err)
	}
	first, err := client.Conversation(ctx, tenantA, "5511911112222")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Deliver(ctx, "5511911112222", d); err != nil {
		t.Fatal(err)
	}
	again, _ := client.Conversation(ctx, tenantA, "5511911112222")
	if again.Version != first.Version {
		t.Fatalf("a duplicate delivery wrote a new version: %d → %d", first.Version, again.Version)
	}
	stop := &Deliver{TenantID: tenantA, Contact: Contact{WaID: "5511911112222"},
		Preferences: []PreferenceUpdate{{Category: "marketing_messages", Value: "stop", Timestamp: time.Now().UTC()}}}
	if _, err := client.Deliver(ctx, "5511911112222", stop); err != nil {
		t.Fatal(err)
	}
	// The answer came after the write: the stored snapshot must already hold the opt-out.
	snap, err := store.Snapshots().Load(ctx, KindConversation, ConversationIdentity(tenantA, "5511911112222"))
	if err != nil {
		t.Fatal(err)
	}
	var stored conversationSnapshot
	if err := unmarshal(snap.Data, &stored); err != nil || !stored.Summary.Contact.MarketingOptOut {
		t.Fatalf("opt-out not persisted: %v %+v", err, stored.Summary.Contact)
	}
}

// A send's record is written behind, but a graceful stop waits for it: Drain.Close returns
// only once it is durable, and a new process over the same data shows it.
func TestWriteBehindRecordSurvivesAGracefulStop(t *testing.T) {
	dir := t.TempDir()
	store := openStore(t, dir)
	drain := &Drain{}
	node, err := cluster.Start(cluster.Options{
		ClusterName: "actors-test", Addr: "127.0.0.1:0", Codec: Codec(),
		Kinds: Kinds(&Deps{Store: store, Passivation: time.Minute, Drain: drain}),
	})
	if err != nil {
		t.Fatal(err)
	}
	client := NewClient(node)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const waID = "5511933334444"
	d := &Deliver{TenantID: tenantA, Contact: Contact{WaID: waID, Name: "Ana"},
		Messages: []Message{{WAMID: "wamid.wb.1", Type: "text", Text: "oi", Timestamp: time.Unix(1767225600, 0).UTC()}}}
	if _, err := client.Deliver(ctx, waID, d); err != nil {
		t.Fatal(err)
	}
	out := Message{ID: "01a2b3c4d5e6f7a8b9c0d1e2", Direction: Outbound, Type: "text", Text: "Seu pedido saiu", Status: StatusQueued,
		Timestamp: time.Unix(1767225700, 0).UTC()}
	if _, err := client.RecordOutbound(ctx, tenantA, waID, out); err != nil {
		t.Fatal(err)
	}
	if err := drain.Close(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
	node.Stop(ctx)
	if err := store.Close(ctx); err != nil {
		t.Fatal(err)
	}

	store2 := openStore(t, dir)
	defer store2.Close(ctx)
	client2 := startGrains(t, store2, time.Minute)
	page, err := client2.Messages(ctx, tenantA, waID, ListMessages{Page: 1, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || page.Messages[1].ID != out.ID || page.Messages[1].Status != StatusQueued {
		t.Fatalf("after a graceful stop: %+v", page)
	}
}
