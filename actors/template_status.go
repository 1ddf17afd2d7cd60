package actors

// Template events are not all template statuses (WHATSAPP.md §1.7 lists the events of
// message_template_status_update, §4.3 the status values of Meta's list). Most events name
// the status the template has now; four do not:
//
//   - FLAGGED: Meta received negative feedback; the template stays APPROVED and sendable (a
//     pause, should one follow, comes as its own PAUSED event). Status unchanged.
//   - LOCKED: the template can no longer be edited; sending is not affected. Status unchanged.
//   - REINSTATED: a paused or disabled template is back: APPROVED.
//   - UNARCHIVED: an archived template is back in use: APPROVED.
//
// Any other event is kept as it comes: the status list is an open enum, and an event Meta
// adds is most likely a status Meta added. Storing FLAGGED as the status refused a template
// Meta still sends; storing REINSTATED or UNARCHIVED refused one Meta made sendable again.

// Template events that are not statuses.
const (
	templateFlagged    = "FLAGGED"
	templateLocked     = "LOCKED"
	templateReinstated = "REINSTATED"
	templateUnarchived = "UNARCHIVED"
)

// settleTemplateStatuses repairs a snapshot saved when events were stored as statuses: a
// template whose status is REINSTATED or UNARCHIVED is APPROVED, and so is a FLAGGED one
// (only an approved template is flagged). A LOCKED one stays as it is: the status it had is
// not known, and the next sync says.
func (t *TenantState) settleTemplateStatuses() {
	for k, tpl := range t.Templates {
		switch tpl.Status {
		case templateFlagged, templateReinstated, templateUnarchived:
			tpl.Event, tpl.Status = tpl.Status, TemplateApproved
			t.Templates[k] = tpl
		}
	}
}

// TemplateStatusOf is the status a message_template_status_update event leaves its template
// in; "" when the event leaves the status as it was.
func TemplateStatusOf(event string) string {
	switch event {
	case templateFlagged, templateLocked:
		return ""
	case templateReinstated, templateUnarchived:
		return TemplateApproved
	}
	return event
}
