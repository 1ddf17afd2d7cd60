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
//     store read on the send path. The conversation tells the tenant of the notice as it
//     applies it, before its flush (NumberChangeNoted): the copy would learn it only once
//     the flush is durable, and a send in between left for the number given up;
//   - a message still queued to the old number when the notice arrives fails unsent when its
//     lane hands it over (headRefused): it was written to this customer, and sending it to a
//     number they gave up reaches nobody, or a stranger;
//   - a message the customer writes from the old number later than the notice lifts it
//     (changedNumberOf): the number is in use again by someone who wrote to the business, who
//     may be answered. A late delivery dated before the notice lifts nothing, and a notice
//     dated before the customer's latest message from the old number is stale and refuses
//     nothing. The notice stays recorded (Contact.ChangedNumberTo) either way.

// changedNumberOf is the number s's customer changed to and the id of the conversation
// they continue in, both "" unless the change is in force: a notice the customer has not
// written from this number since (LastInboundAt, which their messages and reactions move and
// notices and amendments do not). The id is keyed as routing keys the new number's messages
// (ContactKeyOf: a Brazilian or Mexican mobile in its line form), so it names the
// conversation they land in.
func changedNumberOf(s *ConversationSummary) (to, next string) {
	ct := s.Contact
	if ct.ChangedNumberTo == "" || s.LastInboundAt.After(ct.ChangedNumberAt) {
		return "", ""
	}
	if key := ContactKeyOf(Contact{WaID: ct.ChangedNumberTo}); validContactKey(key) {
		return ct.ChangedNumberTo, ConversationID(s.TenantID, key)
	}
	return "", ""
}

// dateUndatedNotice dates a notice stored before its time was kept (ChangedNumberTo without
// ChangedNumberAt, as the engine recorded notices before it refused sends) at the customer's
// latest message the stored summary holds, as the summary is loaded. Undated, it stayed in
// force for good: nothing the customer wrote could be later than it. Dated so, it still
// refuses (the notice came after that message, or the customer has not written since, as far
// as the summary tells), and their next message lifts it. The conversation and the tenant's
// copy load the same stored summary, so both date it alike; the conversation's next flush
// stores the date.
func dateUndatedNotice(s *ConversationSummary) {
	if ct := &s.Contact; ct.ChangedNumberTo != "" && ct.ChangedNumberAt.IsZero() {
		ct.ChangedNumberAt = s.LastInboundAt
	}
}

// ContinuedIn is the id of the conversation s's customer continues in after changing number,
// "" when they did not or came back (changedNumberOf).
func ContinuedIn(s *ConversationSummary) string {
	_, next := changedNumberOf(s)
	return next
}

// numberChanged is the refusal of a send to a customer who changed number to to and continues
// in conversation next, nil when next is "".
func numberChanged(to, next string) *cluster.Failure {
	if next == "" {
		return nil
	}
	return &cluster.Failure{Code: FailureNumberChanged,
		Message: "the customer changed their WhatsApp number to +" + to + " and no longer has this one; " +
			"their conversation continues in " + next + ": send there",
		Details: []cluster.FailureDetail{{Field: "continuedIn", Message: next}}}
}

// NumberChanged is the refusal of a send into s, for a summary the caller read from its
// conversation (the edge, when the tenant's copy could not vouch for the window or it needs
// the contact): the same refusal as the tenant's.
func NumberChanged(s *ConversationSummary) error {
	f := numberChanged(changedNumberOf(s))
	if f == nil {
		return nil
	}
	return &SendRefusedError{Code: f.Code, Reason: f.Message, Details: f.Details}
}

// numberChangedRefusal is the tenant's refusal of a send into conversationID (nil: none).
func (s *sender) numberChangedRefusal(conversationID string) *cluster.Failure {
	if s.changedNumber == nil {
		return nil
	}
	return numberChanged(s.changedNumber(conversationID))
}

// numberChangedHead is the error a message queued to a customer who changed number since
// fails with, unsent (nil when they did not).
func (s *sender) numberChangedHead(it *outItem) *MessageError {
	if s.changedNumber == nil {
		return nil
	}
	to, next := s.changedNumber(it.row.ConversationID)
	if next == "" {
		return nil
	}
	return &MessageError{Title: "not sent: the customer changed number", Reason: ReasonNumberChanged,
		Details: "the customer changed their WhatsApp number to +" + to + " after the message was queued; " +
			"it was not sent to the old number. Their conversation continues in " + next}
}

// noteChangedNumber records a user_changed_number notice to newWaID dated at, unless a newer
// notice is recorded (webhooks arrive out of order). Whether it is in force is
// changedNumberOf's: a notice older than the customer's latest message from this number is
// not.
func (c *conversation) noteChangedNumber(newWaID string, at time.Time) {
	c.s.Summary.Contact.learnChangedNumber(newWaID, at)
}

// learnChangedNumber records a notice to to dated at in ct unless ct holds a newer one, the
// rule the conversation and the tenant's copy of it both follow.
func (ct *Contact) learnChangedNumber(to string, at time.Time) {
	if to == "" || (ct.ChangedNumberTo != "" && at.Before(ct.ChangedNumberAt)) {
		return
	}
	ct.ChangedNumberTo, ct.ChangedNumberAt = to, at
}

// NumberChangeNoted tells the tenant of a user_changed_number notice in force as its
// conversation applies it, ahead of the flush that stores it. The tenant refuses sends from its
// copy of the summary, which learns of the notice only once that flush is durable: in between,
// a send into the old conversation was accepted and left at once to the number the customer
// had just given up, as did a message its lane handed over then. Told, not called, as the
// flush's summary is: the conversation does not wait for the tenant.
type NumberChangeNoted struct {
	ConversationID string    `json:"conversationId"`
	To             string    `json:"to"`
	At             time.Time `json:"at"`
}

// tellNumberChange tells the tenant of a notice the change at hand put in force (before is the
// contact as it was), at once: see NumberChangeNoted. A notice already stale (the customer
// wrote from the number after it) is not told: it refuses nothing.
func (g *conversationGrain) tellNumberChange(c *cluster.Context, before Contact) {
	sum := &g.conv.s.Summary
	ct := sum.Contact
	if ct.ChangedNumberTo == before.ChangedNumberTo && ct.ChangedNumberAt.Equal(before.ChangedNumberAt) {
		return
	}
	if _, next := changedNumberOf(sum); next == "" {
		return
	}
	m := &NumberChangeNoted{ConversationID: sum.ID, To: ct.ChangedNumberTo, At: ct.ChangedNumberAt}
	if err := c.Node().TellBy(tellBy(), KindTenant, sum.TenantID, m); err != nil { // from the conversation's Receive
		// The flush tells the tenant's copy anyway, moments later.
		g.d.Log.Warn("tenant not told of a changed number ahead of the flush", "conversation", sum.ID, "err", err)
	}
}

// numberChangesAhead are the notices conversations told the tenant of (NumberChangeNoted)
// that its copies of their summaries do not show yet, by conversation (indexKey). The copies stay
// what the conversations flushed (the inbox lists what is stored); the refusals read both.
type numberChangesAhead map[string]Contact

// note keeps a told notice under key (the conversation's indexKey), unless the tenant's copy
// of the conversation's summary shows it.
func (a numberChangesAhead) note(key string, m *NumberChangeNoted, copy ConversationSummary) {
	if shows(copy.Contact, m.At) {
		return
	}
	ct := a[key]
	ct.learnChangedNumber(m.To, m.At)
	a[key] = ct
}

// flushed forgets the notice told ahead for the conversation under key (indexKey) once s, a
// summary its flush carried, shows it or a newer one.
func (a numberChangesAhead) flushed(key string, s *ConversationSummary) {
	if ct, ok := a[key]; ok && shows(s.Contact, ct.ChangedNumberAt) {
		delete(a, key)
	}
}

// shows reports whether ct records a notice dated at or later.
func shows(ct Contact, at time.Time) bool {
	return ct.ChangedNumberTo != "" && !ct.ChangedNumberAt.Before(at)
}
