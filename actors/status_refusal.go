package actors

import (
	"time"

	json "github.com/goccy/go-json"
)

// A failed status webhook may carry a code that acts on the tenant's account as the same
// code does answering a send (WHATSAPP.md §2.2: handle both paths): a restriction pauses the
// tenant's sends (131048, 368 …), a payment problem (131042) stops its business-initiated
// ones, and a paused or disabled template (132015/132016) is refused from then on. The
// conversation, which holds the record of the failed message, tells the sender what it was
// (a template, which one, in which conversation); the sender then decides as for the answer
// (sender_outcome.go, sender_heads.go).

// refusalEvidence is the evidence of a failed status st whose code acts on the account,
// with what the conversation's record m of the message says of it (m nil: the status is
// held, its message not recorded here).
func (c *conversation) refusalEvidence(st StatusUpdate, m *Message) OutboundEvidence {
	ev := OutboundEvidence{MessageID: st.CallbackData, WAMID: st.WAMID, RestrictedAt: st.Timestamp}
	if st.PausesSends {
		ev.Restricted = st.Error
	} else {
		ev.TemplateRefused = st.Error
	}
	if m != nil {
		ev.Recorded, ev.ConversationID, ev.Template = true, c.s.Summary.ID, recordedTemplate(m)
	}
	return ev
}

// actsOnAccount reports whether a status is a failure whose code acts on the account.
func actsOnAccount(st StatusUpdate) bool {
	return st.Error != nil && (st.PausesSends || (st.Status == StatusFailed && refusesTemplate(st.Error.Code)))
}

// recordedTemplate is the template an outbound record sent; nil when it is not a template,
// and one without a name when its content does not say (a template all the same).
func recordedTemplate(m *Message) *TemplateRef {
	if m.Type != "template" {
		return nil
	}
	var t templateMember
	_ = json.Unmarshal(m.Content, &t) // unreadable: a template, name unknown
	ref := t.ref()
	return &ref
}

// statusRefused acts on evidence of a failed status whose code acts on the account, as of
// from (the status's time). A 131042 stops only business-initiated sends when the failed
// message was one — a template its conversation's window, as the tenant's copy shows it,
// does not hold: the predicate of the answer's path (businessInitiated) — and pauses every
// send when it was a reply, as there.
//
// A 131042 for a message the engine cannot place (sent outside the engine, or a status held
// for a record the conversation lost and the sender no longer holds) is taken as
// business-initiated: Meta's payment problems are about what it charges, templates
// (WHATSAPP.md §2.3: "stop business-initiated sends"), and the guess corrects itself if
// wrong — a reply Meta refuses for the same reason is answered 131042 at once, which pauses
// every send and queues that reply again — while pausing every send on the guess would hold
// every reply to customers in their window for OUTBOUND_PAUSE_FOR with nothing to lift it.
func (s *sender) statusRefused(m *OutboundEvidence, from time.Time) {
	template, conversationID, known := s.sentAs(m)
	if m.TemplateRefused != nil {
		if template == nil || template.Name == "" {
			s.d.Log.Warn("Meta refused a template whose name the engine cannot place; not marked", "tenant", s.tenantID,
				"message", m.MessageID, "wamid", m.WAMID, "code", m.TemplateRefused.Code)
			return
		}
		s.templateRefused(*template, m.TemplateRefused.Code, from)
		return
	}
	if m.Restricted == nil {
		return
	}
	f := &SendFailure{Class: ClassPauseTenant, Code: m.Restricted.Code, Title: m.Restricted.Title}
	if f.Code == metaPaymentIssue && (!known || s.businessInitiated(template != nil, conversationID)) {
		s.paymentRestriction(f, from)
		return
	}
	s.pause(f, from)
}

// sentAs is what the message a failed status names was: the template it sent (nil: not a
// template) and its conversation, from the conversation's record or else the sender's own
// item; known false when neither holds it.
func (s *sender) sentAs(m *OutboundEvidence) (*TemplateRef, string, bool) {
	if m.Recorded {
		return m.Template, m.ConversationID, true
	}
	it := s.items[m.MessageID]
	if m.MessageID == "" || it == nil {
		return nil, "", false
	}
	if ref, ok := it.template(); ok {
		return &ref, it.row.ConversationID, true
	}
	return nil, it.row.ConversationID, true
}
