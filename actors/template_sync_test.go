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
// changes nothing. A sync holds back a webhook older than it by more than syncListLag: Meta's
// list may lag its own webhooks by moments, not by the days Meta retries for. Before, a
// synced entry held back no webhook at all, so a late retry of an APPROVED from before a
// pause made a template the list shows PAUSED sendable again.
func TestTemplateWebhooksKeepTheNewest(t *testing.T) {
	fetched := t0.Add(time.Hour)
	webhook := func(st string, at time.Time) func(*TenantState) {
		return func(s *TenantState) {
			s.apply(TenantEvent{Field: "message_template_status_update", Time: at,
				Template: &TemplateUpdate{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: st}})
		}
	}
	sync := func(st string) func(*TenantState) {
		return func(s *TenantState) {
			s.syncTemplates(&SyncTemplates{FetchedAt: fetched, Templates: []TemplateUpdate{{ID: 1, Name: "order_shipped", Language: "pt_BR", Status: st}}})
		}
	}
	cases := []struct {
		name  string
		steps []func(*TenantState)
		want  string
	}{
		{"older webhook delivered late", []func(*TenantState){webhook("PAUSED", t0.Add(time.Minute)), webhook("APPROVED", t0)}, "PAUSED"},
		{"webhook a second before a lagging sync", []func(*TenantState){sync("PENDING"), webhook("APPROVED", fetched.Add(-time.Second))}, "APPROVED"},
		{"webhook the lag before the sync", []func(*TenantState){sync("PENDING"), webhook("APPROVED", fetched.Add(-syncListLag))}, "APPROVED"},
		{"webhook after the sync", []func(*TenantState){sync("APPROVED"), webhook("PAUSED", fetched.Add(time.Minute))}, "PAUSED"},
		{"retry of a webhook from before a synced pause", []func(*TenantState){webhook("PAUSED", t0.Add(30*time.Minute)), sync("PAUSED"), webhook("APPROVED", t0)}, "PAUSED"},
		{"webhook just past the lag before the sync", []func(*TenantState){sync("PAUSED"), webhook("APPROVED", fetched.Add(-syncListLag-time.Second))}, "PAUSED"},
		// The same tolerance when the webhook arrived first (as usual): before, the lagging
		// list replaced a webhook unless it was dated after FetchedAt.
		{"webhook a second before a lagging sync, delivered first", []func(*TenantState){webhook("PAUSED", fetched.Add(-time.Second)), sync("APPROVED")}, "PAUSED"},
		{"webhook the lag before the sync, delivered first", []func(*TenantState){webhook("PAUSED", fetched.Add(-syncListLag)), sync("APPROVED")}, "PAUSED"},
		{"webhook just past the lag before the sync, delivered first", []func(*TenantState){webhook("PAUSED", fetched.Add(-syncListLag-time.Second)), sync("APPROVED")}, "APPROVED"},
		{"older retry after a webhook the sync kept", []func(*TenantState){webhook("PAUSED", fetched.Add(-time.Second)), sync("APPROVED"), webhook("APPROVED", fetched.Add(-2*time.Second))}, "PAUSED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTenantState()
			for _, step := range tc.steps {
				step(&s)
			}
			if got := s.Templates["order_shipped|pt_BR"].Status; got != tc.want {
				t.Fatalf("status %s, want %s", got, tc.want)
			}
		})
	}

	// A template a webhook announced moments before the list was read, not listed yet,
	// stays; one from before the lag, not listed, is gone.
	for at, want := range map[time.Time]bool{fetched.Add(-time.Second): true, fetched.Add(-syncListLag - time.Second): false} {
		s := newTenantState()
		webhook("APPROVED", at)(&s)
		s.syncTemplates(&SyncTemplates{FetchedAt: fetched})
		if _, kept := s.Templates["order_shipped|pt_BR"]; kept != want {
			t.Errorf("webhook %v before a list not naming it: kept %v, want %v", fetched.Sub(at), kept, want)
		}
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
