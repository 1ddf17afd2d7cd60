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

// pointCounting counts the store's lookups of one phone number id, and fails them while down.
type pointCounting struct {
	persistence.Directory
	points int
	down   bool
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

// The first customer message to a number connected in the second after another webhook read
// the routing copy is routed to its tenant, not dead-lettered as "no tenant" (it was, the
// copy being too young to reload); a number no tenant has is still dead-lettered.
func TestFirstMessageToANewlyConnectedNumberIsRouted(t *testing.T) {
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
	// One clock, standing still: the second route comes within refreshEvery of the first's
	// reload however slow the machine (with the real clock, a pause over a second reloaded
	// the copy and the test passed without the fix).
	clock := time.Now().UTC()
	p.dir.now = func() time.Time { return clock }
	arrivals := clock
	route := func(phoneNumberID string) *tracked {
		t.Helper()
		body := `{"object":"whatsapp_business_account","entry":[{"id":"w1","changes":[{"field":"messages","value":{` +
			`"messaging_product":"whatsapp","metadata":{"phone_number_id":"` + phoneNumberID + `"},` +
			`"contacts":[{"profile":{"name":"u"},"wa_id":"5511987654321"}],` +
			`"messages":[{"from":"5511987654321","id":"wamid.` + phoneNumberID + `","timestamp":"1767225600","type":"text","text":{"body":"oi"}}]}}]}]}`
		arrivals = arrivals.Add(time.Millisecond) // each webhook after the copy's read
		e := persistence.InboxEntry{ID: "e-" + phoneNumberID, ReceivedAt: arrivals, Body: []byte(body)}
		tr := &tracked{id: e.ID, p: p}
		if err := p.route(t.Context(), e, tr); err != nil {
			t.Fatal(err)
		}
		return tr
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
