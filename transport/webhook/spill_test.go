package webhook

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// An entry a full lane refused is routed again from scratch when replay dispatches it, so
// whatever its first routing recorded as done must be undone: the user id → wa_id teaching
// was recorded as taught while routing, and the refused entry's teaching never ran, so the
// tenant was never taught the alias (the second routing saw it taught and queued nothing).
func TestRefusedEntryTeachesItsAliasWhenDispatchedAgain(t *testing.T) {
	store := openStore(t)
	if err := store.Directory().CreateTenant(t.Context(), wabaTenant("ta", "111", "", true)); err != nil {
		t.Fatal(err)
	}
	stats := &Stats{}
	p := NewProcessor(store, nil, stats, slog.New(slog.DiscardHandler), 0)
	t.Cleanup(p.lanes.close)
	e := persistence.InboxEntry{ID: "e1", ReceivedAt: time.Now().UTC(), Body: []byte(`{"object":"whatsapp_business_account","entry":[{"id":"w1","changes":[{"field":"messages","value":{` +
		`"metadata":{"phone_number_id":"111"},"contacts":[{"profile":{"name":"u"},"wa_id":"5511900000009","user_id":"BR.u9"}],` +
		`"messages":[{"from":"5511900000009","from_user_id":"BR.u9","id":"wamid.x","timestamp":"1767225600","type":"text","text":{"body":"hi"}}]}}]}]}`)}
	// The tenant's lane is spilled (full behind a failing call): the entry is refused.
	p.lanes.lanes[p.lanes.index("tenant/ta")].spilled = true
	p.dispatch(e)
	if stats.Spilled.Load() != 1 {
		t.Fatalf("the entry was not refused by the spilled lane (%d refused)", stats.Spilled.Load())
	}
	// Replay routes it again once the lane has room: its teaching must be among its jobs.
	p.lanes.unspill()
	tr := &tracked{id: e.ID, p: p}
	if err := p.route(context.Background(), e, tr); err != nil {
		t.Fatal(err)
	}
	var tenantJobs int
	for _, j := range tr.jobs {
		if j.key == "tenant/ta" {
			tenantJobs++
		}
	}
	if tenantJobs != 1 {
		t.Fatalf("%d tenant jobs when routed again, want 1: the alias teaching that never ran", tenantJobs)
	}
}
