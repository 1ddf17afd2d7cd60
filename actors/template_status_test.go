package actors

import (
	"testing"
	"time"
)

// The status a template event leaves (TemplateStatusOf) decides whether the template may be
// sent. Before, the event was stored as the status: FLAGGED (the template stays APPROVED on
// Meta), REINSTATED and UNARCHIVED (sendable again) refused the template until the next sync.
func TestTemplateEventsLeaveTheStatusMetaDocuments(t *testing.T) {
	cases := []struct {
		before, event, want string
	}{
		{"APPROVED", "FLAGGED", "APPROVED"},
		{"APPROVED", "LOCKED", "APPROVED"},
		{"PAUSED", "REINSTATED", "APPROVED"},
		{"DISABLED", "REINSTATED", "APPROVED"},
		{"ARCHIVED", "UNARCHIVED", "APPROVED"},
		{"PAUSED", "FLAGGED", "PAUSED"},
		{"APPROVED", "PAUSED", "PAUSED"},
		{"APPROVED", "SOMETHING_NEW", "SOMETHING_NEW"}, // an open enum: kept as it comes
	}
	for _, tc := range cases {
		t.Run(tc.before+" then "+tc.event, func(t *testing.T) {
			ref := &TemplateRef{Name: "order_shipped", Language: "pt_BR"}
			update := func(status, event string) *TemplateUpdate {
				return &TemplateUpdate{Name: ref.Name, Language: ref.Language, Status: status, Event: event}
			}
			s := applied(
				TenantEvent{Field: "message_template_status_update", Time: t0, Template: update(tc.before, tc.before)},
				TenantEvent{Field: "message_template_status_update", Time: t0.Add(time.Hour), Template: update(TemplateStatusOf(tc.event), tc.event)})
			tpl := s.Templates[templateKey(ref.Name, ref.Language)]
			refusal := s.templateRefusal(ref)
			if tpl.Status != tc.want || (refusal == nil) != (tc.want == TemplateApproved) || tpl.Event != tc.event {
				t.Fatalf("status %s (event %s), refusal %v; want %s", tpl.Status, tpl.Event, refusal, tc.want)
			}
		})
	}
}
