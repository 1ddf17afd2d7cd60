package actors

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Regression: a send whose outbox insert reported an error was answered store_unavailable,
// but when the write had landed (its answer lost) the row stayed queued, and the tenant's
// next rescan sent it: the API had refused a message that then reached the customer, and a
// client retrying the refusal sent it twice. An insert claimed at once was withdrawn for that
// reason; one written queued (its lane busy) was not.
func TestRefusedInsertIsNeverSent(t *testing.T) {
	store := &outageStore{Store: openStore(t, t.TempDir()), down: map[string]time.Time{}}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	r := privateSender(t, store, OutboundPolicy{Validity: time.Hour, SendTimeout: 5 * time.Second, RescanEvery: 100 * time.Millisecond}, nil)
	tenant := r.newTenant(t)
	ctx := t.Context()
	first, refused := "busy-"+tenant, "refused-"+tenant
	release := make(chan struct{})
	r.graph.answer(first, func(int) (string, error) { <-release; return "wamid.busy", nil })
	for _, id := range []string{first, refused} { // the second waits for the first's lane: written queued
		if id == refused {
			store.loseInsertAnswer(id)
		}
		row := outboxRow(tenant, id)
		m, _ := OutboundMessage(row.ID, row.Request, row.CreatedAt)
		_, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: row, Record: &m})
		switch {
		case id == first && err != nil:
			t.Fatal(err)
		case id == refused && !errors.Is(err, ErrUnavailable):
			t.Fatalf("an insert whose answer was lost: %v, want unavailable", err)
		}
	}
	close(release)
	waitFor(t, "the first sent", func() bool { return r.row(t, first).State == persistence.OutboxSent })
	// Rescans that would each have found the refused row had it stayed queued: the first
	// would have sent it long before the third (a claim and a call to the fake Graph).
	scans := store.queuedScans(tenant)
	waitFor(t, "three rescans", func() bool { return store.queuedScans(tenant) >= scans+3 })
	if n, _ := r.graph.sends(refused); n != 0 {
		t.Fatalf("a message the API refused was sent %d times (row %s)", n, r.row(t, refused).State)
	}
	if row := r.row(t, refused); !Withdrawn(row) {
		t.Fatalf("the refused insert is stored %s, want withdrawn", row.State)
	}
}

// The API's refusal of a MARKETING template reads the customer's contact in the tenant's
// copy once: the hold and the opt-out are in the same record.
func TestMarketingRefusalReadsTheContactOnce(t *testing.T) {
	now := time.Now().UTC()
	state := newTenantState()
	state.Templates[templateKey("promo", "en_US")] = TemplateState{TemplateUpdate: TemplateUpdate{Name: "promo", Language: "en_US", Status: TemplateApproved, Category: TemplateMarketing}}
	s := newSender(&Deps{}, "t", &state, nil)
	reads := 0
	s.contactOf = func(string) Contact { reads++; return Contact{MarketingHeldUntil: now.Add(time.Hour)} }
	q := &QueueOutbound{Template: &TemplateRef{Name: "promo", Language: "en_US"}, Message: persistence.OutboxMessage{ConversationID: "c"}}
	if code, _, wait := s.marketingRefusal(q, now); code != FailureMarketingHeld || wait != time.Hour {
		t.Fatalf("refusal %q %v, want marketing_held for an hour", code, wait)
	}
	if reads != 1 {
		t.Fatalf("the contact read %d times", reads)
	}
}
