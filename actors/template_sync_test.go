package actors

import (
	"testing"
	"time"
)

// A sync adds what Meta lists, updates what changed, removes what Meta no longer lists, and
// leaves alone a template a webhook changed after the list was read.
func TestSyncTemplatesReplacesWhatMetaNoLongerLists(t *testing.T) {
	fetched := t0.Add(time.Hour)
	s := newTenantState()
	for _, ev := range []TenantEvent{
		{Field: "message_template_status_update", Time: t0, Template: &TemplateUpdate{ID: 1, Name: "order_shipped", Language: "pt-BR", Status: "PENDING"}},
		{Field: "message_template_status_update", Time: t0, Template: &TemplateUpdate{ID: 2, Name: "old_promo", Language: "pt_BR", Status: "APPROVED"}},
		{Field: "message_template_status_update", Time: t0, Template: &TemplateUpdate{ID: 3, Name: "login_code", Language: "pt_BR", Status: "APPROVED", Category: "AUTHENTICATION"}},
		// After the list was read: paused, and brand new; the list knows neither.
		{Field: "message_template_status_update", Time: fetched.Add(time.Second), Template: &TemplateUpdate{ID: 4, Name: "weekly_deals", Language: "pt_BR", Status: "PAUSED"}},
		{Field: "message_template_status_update", Time: fetched.Add(time.Second), Template: &TemplateUpdate{ID: 5, Name: "brand_new", Language: "en_US", Status: "APPROVED"}},
	} {
		s.apply(ev)
	}
	s.Templates[templateKey("login_code", "pt_BR")] = TemplateState{
		TemplateUpdate: TemplateUpdate{ID: 3, Name: "login_code", Language: "pt_BR", Status: "APPROVED", Category: "AUTHENTICATION", CorrectCategory: "UTILITY", CategoryChangeAt: t0.Add(24 * time.Hour)},
		UpdatedAt:      t0,
	}
	r := s.syncTemplates(&SyncTemplates{FetchedAt: fetched, Templates: []TemplateUpdate{
		{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY"},
		{ID: 3, Name: "login_code", Language: "pt_BR", Status: "APPROVED", Category: "AUTHENTICATION"},
		{ID: 4, Name: "weekly_deals", Language: "pt_BR", Status: "APPROVED"},
		{ID: 6, Name: "welcome", Language: "en-US", Status: "REJECTED", Reason: "INVALID_FORMAT"},
	}})
	if r != (TemplatesSynced{Total: 5, Added: 1, Updated: 1, Removed: 1}) {
		t.Fatalf("report %+v", r)
	}
	want := map[string]string{
		"order_shipped|pt_BR": "APPROVED", "login_code|pt_BR": "APPROVED", "weekly_deals|pt_BR": "PAUSED",
		"welcome|en_US": "REJECTED", "brand_new|en_US": "APPROVED",
	}
	for k, status := range want {
		if got := s.Templates[k]; got.Status != status {
			t.Errorf("%s: %q, want %q", k, got.Status, status)
		}
	}
	if _, ok := s.Templates["old_promo|pt_BR"]; ok {
		t.Error("a template Meta no longer lists survived the sync")
	}
	if lc := s.Templates["login_code|pt_BR"]; lc.CorrectCategory != "UTILITY" || lc.CategoryChangeAt.IsZero() {
		t.Errorf("the impending category change was lost: %+v", lc)
	}
	if !s.TemplatesSyncedAt.Equal(fetched) {
		t.Errorf("TemplatesSyncedAt %v", s.TemplatesSyncedAt)
	}
	if again := s.syncTemplates(&SyncTemplates{FetchedAt: fetched.Add(time.Minute), Templates: []TemplateUpdate{
		{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: "APPROVED", Category: "UTILITY"},
	}}); again != (TemplatesSynced{Total: 1, Removed: 4}) {
		t.Fatalf("second sync: %+v", again)
	}
}

// Webhooks arrive retried and reordered: an older status delivered after a newer one
// changes nothing. A synced entry does not hold back a webhook older than the sync (Meta's
// list may lag its own webhooks).
func TestTemplateWebhooksKeepTheNewest(t *testing.T) {
	s := newTenantState()
	status := func(st string, at time.Time) {
		s.apply(TenantEvent{Field: "message_template_status_update", Time: at,
			Template: &TemplateUpdate{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: st}})
	}
	got := func() string { return s.Templates["order_shipped|pt_BR"].Status }
	status("PAUSED", t0.Add(time.Minute))
	status("APPROVED", t0) // delivered late
	if got() != "PAUSED" {
		t.Fatalf("an older webhook delivered late won: %s", got())
	}
	s.syncTemplates(&SyncTemplates{FetchedAt: t0.Add(time.Hour), Templates: []TemplateUpdate{{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: "PENDING"}}})
	status("APPROVED", t0.Add(time.Hour-time.Second))
	if got() != "APPROVED" {
		t.Fatalf("a webhook after a lagging sync was held back: %s", got())
	}
}

// The tenant's state as GetTenantState answers it is the caller's own: within a node the
// reply is handed over as a value, and GET /templates ranges over its templates while the
// grain may apply a sync. Sharing the grain's maps made that a concurrent map read and write
// (a fatal error, not a panic).
func TestTenantStateReplySharesNothingWithTheGrain(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	if err := r.client.RecordTenantEvents(ctx, tenant, []TenantEvent{{Field: "message_template_status_update", Time: t0,
		Template: &TemplateUpdate{ID: 1, Name: "a", Language: "en_US", Status: TemplateApproved}}}); err != nil {
		t.Fatal(err)
	}
	st, err := r.client.TenantState(ctx, tenant)
	if err != nil || len(st.Templates) != 1 {
		t.Fatalf("state %+v (%v)", st, err)
	}
	if _, err := r.client.SyncTemplates(ctx, tenant, &SyncTemplates{FetchedAt: t0.Add(time.Hour),
		Templates: []TemplateUpdate{{ID: 2, Name: "b", Language: "en_US", Status: TemplateApproved}}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Templates[templateKey("a", "en_US")]; !ok || len(st.Templates) != 1 {
		t.Fatalf("a reply taken before the sync changed with it: %v", st.Templates)
	}
}
