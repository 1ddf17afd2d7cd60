package actors

import (
	"time"

	"github.com/switchboard/switchboard/cluster"
)

// A customer who changes number (Meta's user_changed_number notice, WHATSAPP.md §1.5) no
// longer has the old one, and WhatsApp may give it to someone else later. Conversations are
// keyed by number, so the old conversation keeps the history and links to the new number's
// (ContinuedIn), and nothing more is sent to the old number:
//
//   - a new send into the old conversation is refused (409 number_changed), naming the
//     conversation the customer continued in, so the client can follow them there. The check
//     reads the tenant's copy of the conversation's summary, as the marketing hold does: no
//     store read on the send path;
//   - a message still queued to the old number when the notice arrives fails unsent when its
//     lane hands it over (headRefused): it was written to this customer, and sending it to a
//     number they gave up reaches nobody, or a stranger;
//   - a message the customer writes from the old number later than the notice lifts it
//     (noteInbound): the number is in use again by someone who wrote to the business, who
//     may be answered. A late delivery dated before the notice lifts nothing, and a notice
//     dated before the customer's latest message from the old number is stale and sets
//     nothing.

// ContinuedIn is the id of the conversation a customer who changed number continues in (ct
// as a conversation of tenantID shows them), or "" when they did not change number. Parsed
// as a request's id is, so it names the conversation the new number's messages are routed
// to (a Brazilian or Mexican mobile in its line form).
func ContinuedIn(tenantID string, ct Contact) string {
	if ct.ChangedNumberTo == "" {
		return ""
	}
	if _, key, ok := ParseConversationID(ConversationID(tenantID, ct.ChangedNumberTo)); ok {
		return ConversationID(tenantID, key)
	}
	return ""
}

// numberChanged is the refusal of a send into a conversation of tenantID whose customer ct
// changed number, nil when they did not.
func numberChanged(tenantID string, ct Contact) *cluster.Failure {
	next := ContinuedIn(tenantID, ct)
	if next == "" {
		return nil
	}
	return &cluster.Failure{Code: FailureNumberChanged,
		Message: "the customer changed their WhatsApp number to +" + ct.ChangedNumberTo + " and no longer has this one; " +
			"their conversation continues in " + next + ": send there",
		Details: []cluster.FailureDetail{{Field: "continuedIn", Message: next}}}
}

// NumberChanged is numberChanged for a summary the caller read from its conversation (the
// edge, when the tenant's copy could not vouch for the window): the same refusal, as the
// tenant's copy may lag the notice.
func NumberChanged(s *ConversationSummary) error {
	f := numberChanged(s.TenantID, s.Contact)
	if f == nil {
		return nil
	}
	return &SendRefusedError{Code: f.Code, Reason: f.Message, Details: f.Details}
}

// numberChangedHead is the error a message queued to a customer who changed number since
// fails with, unsent (nil when they did not).
func (s *sender) numberChangedHead(it *outItem) *MessageError {
	if s.contactOf == nil {
		return nil
	}
	ct := s.contactOf(it.row.ConversationID)
	next := ContinuedIn(s.tenantID, ct)
	if next == "" {
		return nil
	}
	return &MessageError{Title: "not sent: the customer changed number",
		Details: "the customer changed their WhatsApp number to +" + ct.ChangedNumberTo + " after the message was queued; " +
			"it was not sent to the old number. Their conversation continues in " + next}
}

// noteChangedNumber records a user_changed_number notice to newWaID dated at, unless the
// customer wrote from this number after it (a stale notice: they changed back).
func (c *conversation) noteChangedNumber(newWaID string, at time.Time) {
	ct, sum := &c.s.Summary.Contact, &c.s.Summary
	if newWaID == "" || (!at.IsZero() && at.Before(sum.LastInboundAt)) {
		return
	}
	ct.ChangedNumberTo, ct.ChangedNumberAt = newWaID, at
}

// noteInboundAfterChange lifts a changed number when the customer writes from it later than
// the notice.
func (c *conversation) noteInboundAfterChange(at time.Time) {
	ct := &c.s.Summary.Contact
	if ct.ChangedNumberTo != "" && at.After(ct.ChangedNumberAt) {
		ct.ChangedNumberTo, ct.ChangedNumberAt = "", time.Time{}
	}
}
