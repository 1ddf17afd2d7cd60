package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

// Meta batches status webhooks (WHATSAPP.md §1.3): one POST may carry several messages'
// statuses, several statuses of one message — here reversed, read first — with their
// duplicates coming later, the 2026 contacts block on each, and statuses of a message the
// engine never sent (one sent on the WABA from elsewhere), which must not spoil the batch.
// Every message the engine sent still reaches read under Meta's wamid.
func TestStatusBatchesFromMeta(t *testing.T) {
	cfg := fakemeta.DefaultConfig()
	cfg.Statuses.BatchWindow = 300 * time.Millisecond
	cfg.Statuses.ReorderRate = 1
	cfg.Statuses.DuplicateRate = 1
	r := startWithMeta(t, enginetest.Embedded, cfg, nil)
	customers := []string{userWaID, "5511977770001"}
	var convs, ids []string
	for _, c := range customers {
		convs = append(convs, r.customerWrites(t, r.tenantA, phoneA, c))
	}
	for i, conv := range convs {
		ids = append(ids, r.send(t, r.agent, conv, fmt.Sprintf("reply %d", i)).ID)
	}
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: r.meta.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.SendMessage(ctx, tokenA, phoneA, graph.NewMessage("+"+customers[1]).WithText("sent from WhatsApp Manager")); err != nil {
		t.Fatal(err)
	}
	for i, conv := range convs {
		var m messageView
		eventually(t, 30*time.Second, func() bool {
			m, _ = messageIn(t, r.Node, r.agent, conv, ids[i])
			return m.Status == "read"
		}, func() string { return fmt.Sprintf("message %d never read: %+v", i, m) })
		wamid := ""
		for _, s := range r.meta.Sent(phoneA) {
			if s.BizOpaqueCallbackData == ids[i] {
				wamid = s.WAMID
			}
		}
		if m.WAMID != wamid || wamid == "" {
			t.Fatalf("message %d: wamid %q, Meta's %q", i, m.WAMID, wamid)
		}
	}
	eventually(t, 30*time.Second, func() bool { return r.meta.Stats().Webhooks.Delivered >= 2 }, func() string { return "no webhooks" })
	if dl := r.Engine.WebhookStats().DeadLetters.Load(); dl != 0 {
		t.Fatalf("%d dead letters", dl)
	}
	if w := r.meta.Stats().Webhooks; w.Dropped != 0 {
		t.Fatalf("the engine refused webhooks: %+v", w)
	}
}
