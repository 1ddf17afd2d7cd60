package webhook

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
)

// pointCounting counts the store's lookups of one phone number id and its listings, and
// fails both while down.
type pointCounting struct {
	persistence.Directory
	points, listings int
	down             bool
}

func (c *pointCounting) ListTenants(ctx context.Context, p persistence.Page) ([]persistence.Tenant, int, error) {
	c.listings++
	if c.down {
		return nil, 0, errors.New("store down")
	}
	return c.Directory.ListTenants(ctx, p)
}

func (c *pointCounting) TenantByPhoneNumberID(ctx context.Context, id string) (persistence.Tenant, error) {
	c.points++
	if c.down {
		return persistence.Tenant{}, errors.New("store down")
	}
	return c.Directory.TenantByPhoneNumberID(ctx, id)
}

// A number connected moments after the routing copy was read is found by its first webhook,
// although the copy is too young to reload: the store is asked for the number, since the copy
// predates the webhook. A number the store does not know is asked about once per
// refreshEvery, and a webhook older than the copy takes the copy's word.
func TestNumberConnectedAfterTheCopyIsFound(t *testing.T) {
	now := time.Now().UTC()
	d, store := newTestDirectory(t, wabaTenant("ta", "111", "", true))
	counting := &pointCounting{Directory: store}
	d.dir = counting
	clock := now
	d.now = func() time.Time { return clock }
	ctx := t.Context()
	if _, ok, err := d.ResolveNumber(ctx, "111", clock); err != nil || !ok {
		t.Fatalf("111: %v %v", ok, err) // the copy is read now
	}
	loaded := clock
	if err := store.CreateTenant(ctx, wabaTenant("tc", "333", "", true)); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(200 * time.Millisecond) // within refreshEvery of the load

	// A webhook that came before the copy was read: the copy's word stands, the store is not asked.
	if _, ok, err := d.ResolveNumber(ctx, "333", loaded.Add(-time.Millisecond)); err != nil || ok || counting.points != 0 {
		t.Fatalf("a webhook older than the copy: found %v, %v, %d store lookups", ok, err, counting.points)
	}
	// One that came after: the store knows the number now.
	ref, ok, err := d.ResolveNumber(ctx, "333", clock)
	if err != nil || !ok || ref.ID != "tc" || !ref.Active {
		t.Fatalf("333 after its connection: %+v %v %v", ref, ok, err)
	}
	if _, ok, _ := d.ResolveNumber(ctx, "333", clock); !ok || counting.points != 1 {
		t.Fatalf("333 again: found %v after %d store lookups, want the copy to know it (1)", ok, counting.points)
	}
	// A number no tenant has: asked once, then not again within refreshEvery.
	for range 3 {
		if _, ok, err := d.ResolveNumber(ctx, "999", clock); err != nil || ok {
			t.Fatalf("999: %v %v", ok, err)
		}
	}
	if counting.points != 2 {
		t.Fatalf("%d store lookups for an unknown number's three webhooks within refreshEvery, want 1", counting.points-1)
	}
	// A store in trouble: its error is the answer (the entry is retried, not dead-lettered),
	// and it is asked once within refreshEvery too.
	counting.down = true
	for range 3 {
		if _, ok, err := d.ResolveNumber(ctx, "444", clock); err == nil || ok {
			t.Fatalf("444 with the store down: %v %v", ok, err)
		}
	}
	if counting.points != 3 {
		t.Fatalf("%d store lookups for three webhooks with the store down, want 1", counting.points-2)
	}
}

// A WABA or display number connected moments after the routing copy was read is found by its
// first template, account or quality update: the copy predates the webhook, so the miss
// reloads it although it is younger than refreshEvery (the store has no point read for these
// keys). A key no tenant has reloads once per refreshEvery, and a webhook older than the copy
// takes the copy's word.
func TestWABAConnectedAfterTheCopyIsFound(t *testing.T) {
	d, store := newTestDirectory(t, wabaTenant("ta", "111", "15550001", true))
	counting := &pointCounting{Directory: store}
	d.dir = counting
	clock := time.Now().UTC()
	d.now = func() time.Time { return clock }
	ctx := t.Context()
	if ts, err := d.ResolveWABASince(ctx, "w1", clock); err != nil || len(ts) != 1 {
		t.Fatalf("w1: %v %v", ts, err) // the copy is read now
	}
	loaded, listed := clock, counting.listings
	connected := wabaTenant("tc", "333", "+1 555 0003", true)
	connected.WABAID = "w3"
	if err := store.CreateTenant(ctx, connected); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(200 * time.Millisecond) // within refreshEvery of the load

	if ts, err := d.ResolveWABASince(ctx, "w3", loaded.Add(-time.Millisecond)); err != nil || len(ts) != 0 || counting.listings != listed {
		t.Fatalf("a webhook older than the copy: %v, %v, %d listings", ts, err, counting.listings-listed)
	}
	if ts, err := d.ResolveWABASince(ctx, "w3", clock); err != nil || len(ts) != 1 || ts[0].ID != "tc" {
		t.Fatalf("w3 after its connection: %v %v", ts, err)
	}
	if counting.listings != listed+1 {
		t.Fatalf("%d listings to find w3, want 1", counting.listings-listed)
	}
	// The reload taught the copy the new number's display number too.
	if ref, ok, err := d.ResolveDisplaySince(ctx, "15550003", clock); err != nil || !ok || ref.ID != "tc" || counting.listings != listed+1 {
		t.Fatalf("15550003: %+v %v %v after %d listings", ref, ok, err, counting.listings-listed)
	}
	// Keys no tenant has, each's webhooks arriving after the last reload: one listing each,
	// then the answer stands within refreshEvery, for webhooks arriving later too.
	for i, key := range []string{"w9", "+1 555 0009"} {
		clock = clock.Add(time.Millisecond)
		for j := range 3 {
			arrived := clock.Add(time.Duration(j) * time.Microsecond)
			if key == "w9" {
				if ts, err := d.ResolveWABASince(ctx, key, arrived); err != nil || len(ts) != 0 {
					t.Fatalf("%s: %v %v", key, ts, err)
				}
			} else if _, ok, err := d.ResolveDisplaySince(ctx, key, arrived); err != nil || ok {
				t.Fatalf("%s: %v %v", key, ok, err)
			}
		}
		if counting.listings != listed+2+i {
			t.Fatalf("%d listings for %s's three webhooks, want 1", counting.listings-listed-1-i, key)
		}
	}
	// A store in trouble: its error is the answer (the entry is retried, not dead-lettered),
	// and it is asked once within refreshEvery.
	counting.down = true
	clock = clock.Add(time.Millisecond)
	for range 3 {
		if ts, err := d.ResolveWABASince(ctx, "w8", clock); err == nil || len(ts) != 0 {
			t.Fatalf("w8 with the store down: %v %v", ts, err)
		}
	}
	if counting.listings != listed+4 {
		t.Fatalf("%d listings for three webhooks with the store down, want 1", counting.listings-listed-3)
	}
}

// standingRouter is a processor on an embedded store holding tenant ta (number 111, WABA
// w1), whose directory runs on one clock standing still: every route comes within
// refreshEvery of the first's reload however slow the machine (with the real clock, a pause
// over a second reloaded the copy and the tests passed without the fix). route routes a
// webhook body, each arriving a millisecond after the one before, after the copy's read.
func standingRouter(t *testing.T) (persistence.Store, func(id, body string) *tracked) {
	t.Helper()
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	if err := store.Directory().CreateTenant(t.Context(), wabaTenant("ta", "111", "", true)); err != nil {
		t.Fatal(err)
	}
	p := NewProcessor(store, nil, &Stats{}, slog.New(slog.DiscardHandler), 0)
	t.Cleanup(p.lanes.close)
	clock := time.Now().UTC()
	p.dir.now = func() time.Time { return clock }
	arrivals := clock
	return store, func(id, body string) *tracked {
		t.Helper()
		arrivals = arrivals.Add(time.Millisecond)
		e := persistence.InboxEntry{ID: "e-" + id, ReceivedAt: arrivals, Body: []byte(body)}
		tr := &tracked{id: e.ID, p: p}
		if err := p.route(t.Context(), e, tr); err != nil {
			t.Fatal(err)
		}
		return tr
	}
}

// The first customer message to a number connected in the second after another webhook read
// the routing copy is routed to its tenant, not dead-lettered as "no tenant" (it was, the
// copy being too young to reload); a number no tenant has is still dead-lettered.
func TestFirstMessageToANewlyConnectedNumberIsRouted(t *testing.T) {
	store, routeBody := standingRouter(t)
	route := func(phoneNumberID string) *tracked {
		t.Helper()
		return routeBody(phoneNumberID, `{"object":"whatsapp_business_account","entry":[{"id":"w1","changes":[{"field":"messages","value":{`+
			`"messaging_product":"whatsapp","metadata":{"phone_number_id":"`+phoneNumberID+`"},`+
			`"contacts":[{"profile":{"name":"u"},"wa_id":"5511987654321"}],`+
			`"messages":[{"from":"5511987654321","id":"wamid.`+phoneNumberID+`","timestamp":"1767225600","type":"text","text":{"body":"oi"}}]}}]}]}`)
	}
	route("111") // reads the routing copy
	if err := store.Directory().CreateTenant(t.Context(), wabaTenant("tc", "333", "", true)); err != nil {
		t.Fatal(err)
	}
	if tr := route("333"); len(tr.jobs) != 1 || tr.jobs[0].key != "conversation/"+actors.ConversationIdentity("tc", "5511987654321") {
		t.Fatalf("the new number's message: jobs %+v, dead letters %+v", tr.jobs, deadLetters(t, store))
	}
	route("999")
	letters := deadLetters(t, store)
	if len(letters) != 1 || !strings.Contains(letters[0].Reason, `no tenant for phone_number_id "999"`) {
		t.Fatalf("dead letters %+v, want the unknown number's alone", letters)
	}
}

// The first template update of a WABA connected in the second after another webhook read the
// routing copy reaches its tenant, not the dead letters as "no tenant for WABA id" (it did,
// the copy being too young to reload); a WABA no tenant has is still a dead letter.
func TestFirstTemplateUpdateOfANewlyConnectedWABAIsRouted(t *testing.T) {
	store, routeBody := standingRouter(t)
	route := func(wabaID string) *tracked {
		t.Helper()
		return routeBody(wabaID, `{"object":"whatsapp_business_account","entry":[{"id":"`+wabaID+`","time":1767225600,"changes":[`+
			`{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":7,`+
			`"message_template_name":"order_update","message_template_language":"en_US","reason":"NONE"}}]}]}`)
	}
	route("w1") // reads the routing copy
	connected := wabaTenant("tc", "333", "", true)
	connected.WABAID = "w3"
	if err := store.Directory().CreateTenant(t.Context(), connected); err != nil {
		t.Fatal(err)
	}
	if tr := route("w3"); len(tr.jobs) != 1 || tr.jobs[0].key != "tenant/tc" {
		t.Fatalf("the new WABA's template update: jobs %+v, dead letters %+v", tr.jobs, deadLetters(t, store))
	}
	route("w9")
	letters := deadLetters(t, store)
	if len(letters) != 1 || !strings.Contains(letters[0].Reason, `no tenant for WABA id "w9"`) {
		t.Fatalf("dead letters %+v, want the unknown WABA's alone", letters)
	}
}
