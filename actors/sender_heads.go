package actors

import (
	"bytes"
	"maps"
	"time"

	json "github.com/goccy/go-json"
)

// What an answer from Meta teaches about the messages still queued behind it, so that they
// are not each sent for the same refusal (WHATSAPP.md §2.3):
//
//   - 132015/132016: the template is paused or disabled. The tenant's copy of the template
//     takes that status (as Meta's message_template_status_update would say, and a later
//     REINSTATED or sync lifts it): new sends are refused (template_not_usable) and queued
//     ones using it fail with the code when their lane hands them over. The same code in a
//     failed status webhook marks it too (status_refusal.go).
//   - 131049: Meta holds marketing to that customer back for a day. New MARKETING templates
//     are refused (marketing_held, sender_accept.go); a queued one fails at once with
//     131049, unsent: Meta says another within the day "will only result in another
//     error", and one waiting in its lane would hold the customer's replies and utility
//     templates queued behind it for up to a day (the default validity is shorter anyway).
//   - 131050: the customer stopped marketing messages (so does their user_preferences
//     "stop"; a newer "resume" lifts it). New MARKETING templates are refused
//     (marketing_opt_out) and a queued one fails at once with 131050, unsent: Meta would
//     refuse it, and WhatsApp's policy is not to send marketing to someone who said stop.
//     Both read the tenant's copy of the conversation, or a 131050 this sender met since,
//     until the copy learns it (marketingBar). The sender's memory bridges only the
//     conversation's flush and is not kept across a restart: the refusal's outbox row is
//     written failed only once its conversation took the failure durably, and an activation
//     rebuilds its copy of every conversation from the stored snapshots before it loads the
//     outbox, so the restarted tenant refuses the same templates without it.
//   - 131042: a payment problem. Meta charges business-initiated messages, so those stop
//     (paymentRestriction) while replies inside the window go on; on either path.
//
// The check costs a map lookup per message a lane hands over (a customer who changed
// number, changed_number.go), nothing more for a tenant without templates, and a decode
// once per template message (outItem.template), however often its lane hands it over.

// Meta's template statuses a send is refused for, and their codes.
const (
	templatePaused       = "PAUSED"
	templateDisabled     = "DISABLED"
	metaTemplatePaused   = 132015
	metaTemplateDisabled = 132016
	metaPaymentIssue     = 131042
)

// templateOf is the template a Graph send request names, if it is one.
func templateOf(request []byte) (TemplateRef, bool) {
	if !bytes.Contains(request, []byte(`"template"`)) {
		return TemplateRef{}, false
	}
	var req struct {
		Type     string         `json:"type"`
		Template templateMember `json:"template"`
	}
	if json.Unmarshal(request, &req) != nil || req.Type != "template" {
		return TemplateRef{}, false
	}
	return req.Template.ref(), true
}

// templateMember is the template member of a Graph send request (and of the conversation's
// record of a template it sent, Message.Content).
type templateMember struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
}

func (t templateMember) ref() TemplateRef {
	return TemplateRef{Name: t.Name, Language: t.Language.Code}
}

// headRefused is the error the message its lane hands over now fails with, unsent: the
// customer left its number, or Meta would refuse it as the tenant knows; nil when it may go.
func (s *sender) headRefused(it *outItem, now time.Time) *MessageError {
	if e := s.numberChangedHead(it); e != nil {
		return e
	}
	if len(s.state.Templates) == 0 {
		return nil // every refusal below is of a template the tenant knows
	}
	ref, ok := it.template()
	if !ok {
		return nil
	}
	tpl, known := s.state.Templates[templateKey(ref.Name, ref.Language)]
	switch {
	case !known:
		return nil
	case tpl.Status == templatePaused:
		return &MessageError{Code: metaTemplatePaused, Title: "Template is paused", Reason: ReasonTemplateNotUsable,
			Details: "template " + ref.Name + " (" + ref.Language + ") was paused by Meta for low quality after the message was queued; it was not sent"}
	case tpl.Status == templateDisabled:
		return &MessageError{Code: metaTemplateDisabled, Title: "Template is disabled", Reason: ReasonTemplateNotUsable,
			Details: "template " + ref.Name + " (" + ref.Language + ") was disabled by Meta after the message was queued; it was not sent"}
	case tpl.Category != TemplateMarketing:
		return nil
	}
	switch bar := s.marketingBar(it.row.ConversationID, now); {
	case bar.stopped:
		return &MessageError{Code: MetaMarketingOptOut, Reason: ReasonMarketingOptOut, Title: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
			Details: "the customer stopped marketing messages" + bar.stoppedOn() + " and WhatsApp refuses them marketing until they resume; it was not sent"}
	case bar.heldUntil.After(now):
		return &MessageError{Code: MetaMarketingHeld, Reason: ReasonMarketingHeld, Title: "This message was not delivered to maintain healthy ecosystem engagement.",
			Details: "Meta held back marketing to this customer until " + bar.heldUntil.UTC().Format(time.RFC3339) +
				" and refuses another before then; it was not sent"}
	}
	return nil
}

// marketingBar is what stands between the conversation's customer and a MARKETING template
// now, as the tenant knows it: the API's refusal (marketingRefusal) and the lane's check of
// a queued one (headRefused) read it here, so both refuse the same messages.
type marketingBar struct {
	// stopped: the customer stopped marketing messages (their user_preferences "stop", or
	// Meta's 131050 for another message; a newer "resume" clears it), at stoppedAt.
	stopped   bool
	stoppedAt time.Time
	// heldUntil: Meta holds marketing to them back until then (131049).
	heldUntil time.Time
}

// marketingBar reads the bar from the tenant's copy of the conversation (one read, no store)
// and the 131049s and 131050s this sender met since (the copy learns them only after the
// conversation's flush).
func (s *sender) marketingBar(conversationID string, now time.Time) marketingBar {
	ct := s.contact(conversationID)
	bar := marketingBar{stopped: ct.MarketingOptOut, stoppedAt: ct.MarketingPreferenceAt,
		heldUntil: s.marketingHeldUntil(conversationID, ct, now)}
	if at, ok := s.marketingStopped[conversationID]; ok {
		if stoppedSince(ct, at) {
			bar.stopped, bar.stoppedAt = true, at
		} else {
			delete(s.marketingStopped, conversationID)
		}
	}
	return bar
}

// stoppedSince reports whether a 131050 the sender met at is newer than the customer's
// preference in ct, the tenant's copy: the copy has not learnt it yet. Once it shows it, or
// a newer "resume", the copy decides alone.
func stoppedSince(ct Contact, at time.Time) bool {
	return ct.MarketingPreferenceAt.Before(at)
}

// stoppedOn is " on <when the customer stopped>", or "" when the tenant does not know when.
func (b marketingBar) stoppedOn() string {
	if b.stoppedAt.IsZero() {
		return ""
	}
	return " on " + b.stoppedAt.UTC().Format(time.RFC3339)
}

// contact is the conversation's customer as the tenant's copy of its summary shows them.
func (s *sender) contact(conversationID string) Contact {
	if s.contactOf == nil {
		return Contact{}
	}
	return s.contactOf(conversationID)
}

// marketingHeldUntil is when Meta takes a marketing message to the conversation's customer
// again: the tenant's copy of the conversation (ct, its customer there), or a 131049 this
// sender met since (the copy learns it only after the conversation's flush).
func (s *sender) marketingHeldUntil(conversationID string, ct Contact, now time.Time) time.Time {
	until := ct.MarketingHeldUntil
	if mine, ok := s.marketingHeld[conversationID]; ok {
		if !mine.After(now) {
			delete(s.marketingHeld, conversationID)
		} else if mine.After(until) {
			until = mine
		}
	}
	return until
}

// refusedForAll records what a refusal of it says of the messages queued behind it (above).
func (s *sender) refusedForAll(it *outItem, code int, now time.Time) {
	switch code {
	case MetaMarketingHeld:
		if it.row.ConversationID == "" {
			return // Meta holds a customer, and without a conversation we cannot say whom
		}
		if s.marketingHeld == nil {
			s.marketingHeld = map[string]time.Time{}
		}
		// Bounded by the holds in force: ended ones go as a new one comes.
		maps.DeleteFunc(s.marketingHeld, func(_ string, until time.Time) bool { return !until.After(now) })
		s.marketingHeld[it.row.ConversationID] = now.Add(MarketingHold)
	case MetaMarketingOptOut:
		if it.row.ConversationID == "" {
			return // as for 131049
		}
		if s.marketingStopped == nil {
			s.marketingStopped = map[string]time.Time{}
		}
		// Bounded by the stops the copy has not learnt yet: learnt ones go as a new one comes.
		maps.DeleteFunc(s.marketingStopped, func(conv string, at time.Time) bool { return !stoppedSince(s.contact(conv), at) })
		s.marketingStopped[it.row.ConversationID] = now
	case metaTemplatePaused, metaTemplateDisabled:
		if ref, ok := it.template(); ok {
			s.templateRefused(ref, code, now)
		}
	}
}

// refusesTemplate reports whether Meta's code says the template is paused or disabled.
func refusesTemplate(code int) bool {
	return code == metaTemplatePaused || code == metaTemplateDisabled
}

// templateRefused gives the tenant's copy of the template ref the status Meta's code says it
// has (132015 PAUSED, 132016 DISABLED) as of at, when Meta refused a message of it: as
// Meta's message_template_status_update would, so an event the tenant knows of since (a
// REINSTATED, a sync) stands.
func (s *sender) templateRefused(ref TemplateRef, code int, at time.Time) {
	status := templatePaused
	if code == metaTemplateDisabled {
		status = templateDisabled
	}
	k := templateKey(ref.Name, ref.Language)
	tpl, known := s.state.Templates[k]
	if !known || tpl.Status == status {
		return
	}
	s.state.apply(TenantEvent{Field: "message_template_status_update", Time: at,
		Template: &TemplateUpdate{ID: tpl.ID, Name: ref.Name, Language: ref.Language, Status: status}})
	if s.state.Templates[k].Status != status {
		return // older than what the tenant knows of the template
	}
	s.d.Log.Warn("template refused by Meta; its queued sends fail and new ones are refused", "tenant", s.tenantID,
		"template", ref.Name, "language", ref.Language, "status", status)
	if err := s.save(); err != nil {
		s.d.Log.Error("template status not persisted", "tenant", s.tenantID, "err", err)
	}
}

// paymentRestriction stops the tenant's business-initiated sends for PauseFor after Meta
// refused one for a payment problem (131042): Meta charges those, not replies inside the
// customer's window, which go on. Kept among the account's restrictions, so it holds the
// lanes whose head it refuses, refuses new sends (409 sending_paused), survives a restart
// and shows in the tenant's status and tenant.updated. It runs from when Meta refused the
// message (now, for an answer; the status's time, for a failed status): one that has ended
// already (a status Meta delivered late) changes nothing.
func (s *sender) paymentRestriction(f *SendFailure, from time.Time) {
	until := from.Add(s.pol.PauseFor)
	if !until.After(s.d.Now()) {
		return
	}
	for _, r := range s.state.Restrictions {
		if r.Type == RestrictPayment && !r.Until.Before(until) {
			return // one as long in force already
		}
	}
	s.state.restrict(Restriction{Type: RestrictPayment, Until: until, At: from})
	s.d.Log.Warn("tenant's business-initiated sends stopped", "tenant", s.tenantID, "until", until, "code", f.Code, "reason", f.Title)
	if err := s.save(); err != nil {
		s.d.Log.Error("tenant restriction not persisted", "tenant", s.tenantID, "err", err)
		return
	}
	s.standingChanged()
}
