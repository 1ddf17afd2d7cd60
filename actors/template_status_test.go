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

// A snapshot saved when events were stored as statuses reads FLAGGED, REINSTATED and
// UNARCHIVED templates as APPROVED; a LOCKED one, whose status is not known, as it was.
func TestOldSnapshotTemplateEventsAsStatuses(t *testing.T) {
	var s TenantState
	old := `{"recent":[],"templates":{` +
		`"a|pt_BR":{"name":"a","language":"pt_BR","status":"FLAGGED","updatedAt":"2026-11-01T12:00:00Z"},` +
		`"b|pt_BR":{"name":"b","language":"pt_BR","status":"REINSTATED","updatedAt":"2026-11-01T12:00:00Z"},` +
		`"c|pt_BR":{"name":"c","language":"pt_BR","status":"UNARCHIVED","updatedAt":"2026-11-01T12:00:00Z"},` +
		`"d|pt_BR":{"name":"d","language":"pt_BR","status":"LOCKED","updatedAt":"2026-11-01T12:00:00Z"}}}`
	if err := unmarshal([]byte(old), &s); err != nil {
		t.Fatal(err)
	}
	s.settle()
	for name, want := range map[string]string{"a": TemplateApproved, "b": TemplateApproved, "c": TemplateApproved, "d": "LOCKED"} {
		if got := s.Templates[templateKey(name, "pt_BR")].Status; got != want {
			t.Errorf("template %s: %s, want %s", name, got, want)
		}
	}
}
