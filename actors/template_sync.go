package actors

import (
	"context"
	"time"
)

// Template sync (POST /templates/sync): Meta's list of the WABA's templates, every page of
// it, replaces what the tenant knew — webhooks (message_template_status_update) keep it
// current between syncs, and a sync repairs what webhooks missed: templates created or
// deleted in WhatsApp Manager, a webhook lost while the app was unsubscribed.

// SyncTemplates replaces the tenant's templates with Meta's list, fetched from FetchedAt
// on. A template Meta no longer lists is removed; one a webhook changed after FetchedAt
// keeps the webhook's word (the list may predate it), and one a webhook changed up to
// syncListLag before FetchedAt keeps the webhook's status (the list may lag it) and takes
// the rest from the list. Answered with TemplatesSynced.
type SyncTemplates struct {
	Templates []TemplateUpdate `json:"templates"`
	FetchedAt time.Time        `json:"fetchedAt"`
}

// TemplatesSynced is what a sync changed.
type TemplatesSynced struct {
	Total   int `json:"total"`
	Added   int `json:"added"`
	Updated int `json:"updated"`
	Removed int `json:"removed"`
}

// syncTemplates applies a sync to the state and reports what changed.
func (t *TenantState) syncTemplates(s *SyncTemplates) TemplatesSynced {
	listed := make(map[string]TemplateState, len(s.Templates))
	for _, u := range s.Templates {
		u.Language = normalLanguage(u.Language)
		listed[templateKey(u.Name, u.Language)] = TemplateState{TemplateUpdate: u, UpdatedAt: s.FetchedAt, Synced: true}
	}
	var r TemplatesSynced
	for k, cur := range t.Templates {
		if _, still := listed[k]; !still && !cur.UpdatedAt.After(s.FetchedAt) && !webhookLaggedBy(cur, s.FetchedAt) {
			delete(t.Templates, k)
			r.Removed++
		}
	}
	for k, st := range listed {
		cur, known := t.Templates[k]
		switch {
		case !known:
			r.Added++
		case cur.UpdatedAt.After(s.FetchedAt):
			// A webhook spoke after the list was read: its word stands, and so does the
			// definition it kept (or its lack: the list's may predate an edit).
			continue
		case webhookLaggedBy(cur, s.FetchedAt):
			// The list may lag a webhook from moments before it was read (syncListLag), as
			// a webhook arriving after the sync would still apply: its status stands, and
			// the entry stays the webhook's (a late retry older than it changes nothing).
			st.Status, st.Event, st.Reason = cur.Status, cur.Event, cur.Reason
			st.UpdatedAt, st.Synced = cur.UpdatedAt, false
			fallthrough
		default:
			// What only webhooks tell (an impending category change) outlives the sync.
			if st.CorrectCategory == "" && st.CategoryChangeAt.IsZero() {
				st.CorrectCategory, st.CategoryChangeAt = cur.CorrectCategory, cur.CategoryChangeAt
			}
			if !cur.TemplateUpdate.same(st.TemplateUpdate) {
				r.Updated++
			}
		}
		t.Templates[k] = st
	}
	r.Total = len(t.Templates)
	t.TemplatesSyncedAt = s.FetchedAt
	return r
}

// webhookLaggedBy reports whether cur is a webhook's word that a list read at fetched may lag:
// Meta's time no more than syncListLag before it, the tolerance olderThanKnown gives a
// webhook arriving after the sync.
func webhookLaggedBy(cur TemplateState, fetched time.Time) bool {
	return !cur.Synced && !cur.UpdatedAt.Before(fetched.Add(-syncListLag))
}

// SyncTemplates hands the tenant Meta's template list.
func (c *Client) SyncTemplates(ctx context.Context, tenantID string, s *SyncTemplates) (*TemplatesSynced, error) {
	return call[TemplatesSynced](ctx, c, KindTenant, tenantID, s)
}
