package actors

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// failedAsync delivers Meta's failed status for message id (wamid, sent to customer to),
// flagged as the webhook's conversion flags its code (transport/webhook: toStatus): 131042
// restricts the account, and its message goes again once that is over.
func (r *senderRig) failedAsync(t *testing.T, tenant, to, id, wamid string, code int, at time.Time) {
	t.Helper()
	_, err := r.client.Deliver(t.Context(), to, &Deliver{TenantID: tenant, Contact: Contact{WaID: to},
		Statuses: []StatusUpdate{{WAMID: wamid, Status: StatusFailed, Timestamp: at, CallbackData: id, Placed: true,
			Error: &MessageError{Code: code, Title: "Refused"}, PausesSends: code == metaPaymentIssue, Retryable: code == metaPaymentIssue}}})
	if err != nil {
		t.Fatal(err)
	}
}

// sentTemplate sends the tenant's promo template to a customer who never wrote (business-initiated)
// and returns its wamid once it is sent.
func (r *senderRig) sentTemplate(t *testing.T, tenant, id, to string) string {
	t.Helper()
	if _, err := r.queueTo(t, tenant, id, to, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	return r.row(t, id).WAMID
}

// Meta fails a business-initiated template with 131042 (a payment problem) in a status
// webhook after accepting it. As when the same code answers the send, only business-initiated
// sends stop (PAYMENT_ISSUE): replies inside the window, which Meta does not charge, go on.
// Before, the asynchronous path paused every send of the tenant, the message's kind being
// taken as not at hand. A 131042 for a message the engine cannot place (no callback data, a
// wamid it never recorded) is taken as business-initiated too: see statusRefused.
func TestAPaymentProblemInAFailedStatusStopsOnlyBusinessInitiatedSends(t *testing.T) {
	r := sharedSender(t)
	for _, c := range []struct {
		name string
		fail func(t *testing.T, tenant string)
	}{
		{"our business-initiated template", func(t *testing.T, tenant string) {
			const to = "5511850000001"
			id := "apay-" + tenant
			r.failedAsync(t, tenant, to, id, r.sentTemplate(t, tenant, id, to), 131042, time.Now())
		}},
		{"a message the engine cannot place", func(t *testing.T, tenant string) {
			// In a conversation the engine has (a status to a customer it has none with is
			// ignored), of a message sent outside the engine: no callback data.
			const to = "5511850000002"
			r.sentTemplate(t, tenant, "apay-other-"+tenant, to)
			r.failedAsync(t, tenant, to, "", "wamid.elsewhere-"+tenant, 131042, time.Now())
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tenant := r.marketingTenant(t)
			c.fail(t, tenant)
			var refused *SendRefusedError
			waitFor(t, "templates refused", func() bool {
				_, err := r.client.PrepareSend(t.Context(), tenant, &TemplateRef{Name: "promo", Language: "en_US"})
				return errors.As(err, &refused) && refused.Code == FailureSendingPaused && strings.Contains(refused.Reason, "131042")
			})
			if _, err := r.client.PrepareSend(t.Context(), tenant, nil); err != nil {
				t.Fatalf("a reply refused after a payment problem reported by status: %v", err)
			}
			st, err := r.client.TenantState(t.Context(), tenant)
			if err != nil || !st.SendsPausedUntil.IsZero() {
				t.Fatalf("every send paused: %v %+v", err, st)
			}
			if _, ok := st.restrictionRefusing(true, time.Now()); !ok {
				t.Fatalf("no restriction of business-initiated sends: %+v", st.Restrictions)
			}
		})
	}
}

// Meta fails a template with 132015/132016 (paused or disabled for low quality) in a status
// webhook: the tenant's copy of the template takes that status, as when the same code
// answers the send, so new sends of it are refused (template_not_usable) and queued ones
// fail unsent. Before, only the send's answer marked it.
func TestATemplateRefusedInAFailedStatusIsMarked(t *testing.T) {
	r := sharedSender(t)
	for _, c := range templateRefusals {
		tenant, id := r.marketingTenantIDs(t, "atp-")
		r.failedAsync(t, tenant, "5511860000001", id("a"), r.sentTemplate(t, tenant, id("a"), "5511860000001"), c.code, time.Now())
		var refused *SendRefusedError
		waitFor(t, "the template refused", func() bool {
			_, err := r.queueTo(t, tenant, id("b"), "5511860000002", true)
			return errors.As(err, &refused) && refused.Code == FailureTemplate && strings.Contains(refused.Reason, c.status)
		})
	}
}

// A failed status is ordered with the template's events by its own time: one older than
// what the tenant knows of the template (a REINSTATED since, or Meta's retry of an old
// webhook) marks nothing, and writes nothing; a newer one marks it. Without the conversation's
// record the sender's own copy of the message names the template.
func TestATemplateRefusalOlderThanTheTemplatesStatusMarksNothing(t *testing.T) {
	now := time.Now().UTC()
	state := newTenantState()
	state.apply(TenantEvent{Field: "message_template_status_update", Time: now,
		Template: &TemplateUpdate{ID: 7, Name: "promo", Language: "en_US", Status: TemplateApproved, Category: TemplateMarketing}})
	saves := 0
	d := &Deps{}
	d.defaults()
	s := newSender(d, "t", &state, func() error { saves++; return nil })
	s.items["m"] = &outItem{row: persistence.OutboxMessage{ID: "m", ConversationID: "c",
		Request: []byte(`{"messaging_product":"whatsapp","to":"+1","type":"template","template":{"name":"promo","language":{"code":"en_US"}}}`)}}
	recorded := &OutboundEvidence{MessageID: "m", TemplateRefused: &MessageError{Code: metaTemplatePaused}, Recorded: true,
		ConversationID: "c", Template: &TemplateRef{Name: "promo", Language: "en_US"}}
	s.statusRefused(recorded, now.Add(-time.Hour))
	if got := state.Templates[templateKey("promo", "en_US")].Status; got != TemplateApproved || saves != 0 {
		t.Fatalf("an hour-old 132015: template %s, %d saves; want APPROVED, none", got, saves)
	}
	held := &OutboundEvidence{MessageID: "m", TemplateRefused: &MessageError{Code: metaTemplateDisabled}}
	s.statusRefused(held, now.Add(time.Second))
	if got := state.Templates[templateKey("promo", "en_US")].Status; got != templateDisabled || saves != 1 {
		t.Fatalf("a newer 132016 named by the sender's copy: template %s, %d saves; want DISABLED, one", got, saves)
	}
}
