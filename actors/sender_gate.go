package actors

import (
	"fmt"
	"time"

	"github.com/switchboard/switchboard/cluster"
)

// TemplateApproved is the only template status Meta lets a business send.
const TemplateApproved = "APPROVED"

// prepare answers PrepareSend from what the tenant knows now: its directory entry (at most
// DirectoryRefresh old), its pauses, and its templates. The Failure is nil when the send may go.
func (s *sender) prepare(p *PrepareSend, now time.Time) (*SendTicket, *cluster.Failure) {
	s.refreshDirectory(now, false)
	refuse := func(code, why string) (*SendTicket, *cluster.Failure) {
		return nil, &cluster.Failure{Code: code, Message: why}
	}
	switch {
	case !s.enabled():
		return refuse(FailureNotConfigured, "this node has no Graph API client and cannot send")
	case !s.dirFound: // its conversations are not found either (ErrNotFound), so neither is the send
		return refuse(FailureNotFound, "the tenant is not in the directory")
	case !s.dir.Active:
		return refuse(FailureTenantInactive, "the tenant is deactivated")
	case s.dir.PhoneNumberID == "" || s.dir.AccessToken.IsZero():
		return refuse(FailureNotConfigured, "the tenant has no connected WhatsApp number; complete Embedded Signup first")
	case s.token == "":
		return refuse(FailureNotConfigured, "the tenant's access token cannot be opened with this node's keys")
	case s.needsReauth():
		return refuse(FailureNeedsReauth, "Meta rejected the tenant's access token; reconnect the number through Embedded Signup")
	case s.state.banned(now):
		return refuse(FailureSendingPaused, "Meta disabled the WhatsApp Business Account; sends resume once it is reinstated")
	case s.state.SendsPausedUntil.After(now):
		return refuse(FailureSendingPaused, fmt.Sprintf("sends are paused until %s: %s",
			s.state.SendsPausedUntil.UTC().Format(time.RFC3339), s.state.SendsPausedReason))
	}
	if s.ownNumber(p.ConversationID) {
		return nil, &cluster.Failure{Code: FailureRecipientIsSender, Message: "the conversation's customer is the tenant's own WhatsApp number",
			Details: []cluster.FailureDetail{{Field: "conversationId", Message: "is the tenant's own WhatsApp number; WhatsApp does not deliver a message to its sender (131021)"}}}
	}
	if r, ok := s.state.restrictionRefusing(s.businessInitiated(p.Template != nil, p.ConversationID), now); ok {
		return refuse(FailureSendingPaused, r.refusal())
	}
	if f := s.state.templateRefusal(p.Template); f != nil {
		return nil, f
	}
	return &SendTicket{PhoneNumberID: s.dir.PhoneNumberID}, nil
}

// ownNumber reports whether conversationID's customer is the tenant's own number, which Meta
// refuses as recipient (131021) after the API's 202 — and a template would have opened a
// conversation of the business with itself in the inbox.
func (s *sender) ownNumber(conversationID string) bool {
	_, key, ok := ParseConversationID(conversationID)
	return ok && s.ownLine != "" && key == s.ownLine
}

// templateRefusal is why the tenant may not send template ref (nil: it may, or the send is
// not a template): the template is not known, not APPROVED, or the send's components do not
// fit it (its parameters, when its definition is known; the rules of every template always).
func (t *TenantState) templateRefusal(ref *TemplateRef) *cluster.Failure {
	if ref == nil {
		return nil
	}
	tpl, ok := t.Templates[templateKey(ref.Name, ref.Language)]
	switch {
	case !ok:
		return &cluster.Failure{Code: FailureTemplate, Message: fmt.Sprintf("template %s (%s) is not known for this tenant; sync templates first",
			ref.Name, ref.Language)}
	case tpl.Status != TemplateApproved:
		return &cluster.Failure{Code: FailureTemplate, Message: fmt.Sprintf("template %s (%s) is %s, not APPROVED", ref.Name, ref.Language, tpl.Status)}
	}
	// A definition not known (nil Params) is checked only for the rules every template
	// shares; Meta judges the rest.
	if d := tpl.Params.misfits(ref.Components); len(d) > 0 {
		return &cluster.Failure{Code: FailureTemplateParams, Details: d, Message: fmt.Sprintf(
			"the send's parameters do not fit template %s (%s), which WhatsApp would refuse (132000, 132005, 132012); GET /templates shows its parameters",
			ref.Name, ref.Language)}
	}
	return nil
}

// refusalFreshness is how old the directory entry may be for a refusal to rest on it: none.
// A tenant connected a moment ago must not be told it has no number, so a refusal always
// rests on an entry read after the request arrived. Refusals are rare, and concurrent ones
// share one re-read. (A 250 ms allowance let a send right after connecting fail in CI.)
const refusalFreshness = 0

// pendingPrepare is a PrepareSend, or a QueueOutbound (q), waiting for a fresh directory
// entry.
type pendingPrepare struct {
	p  *PrepareSend
	q  *QueueOutbound
	r  cluster.Replier
	at time.Time // arrival: only a read started after it may refuse it
}

// answerPrepare answers p, unless the answer would be a refusal resting on a directory entry
// that is not fresh: then it reads the entry again first and answers once it has.
func (s *sender) answerPrepare(p *PrepareSend, r cluster.Replier) {
	s.prepareThen(pendingPrepare{p: p, r: r, at: s.d.Now()})
}

// queue takes a send the API accepted (QueueOutbound): PrepareSend's answer first, with the
// same fresh-directory rule for refusals, then the outbox.
func (s *sender) queue(q *QueueOutbound, r cluster.Replier) {
	s.prepareThen(pendingPrepare{p: &PrepareSend{Template: q.Template, ConversationID: q.Message.ConversationID}, q: q, r: r, at: s.d.Now()})
}

// prepareThen answers w now, or parks it until a directory read started after it arrived
// when its answer would be a refusal resting on an older entry.
func (s *sender) prepareThen(w pendingPrepare) {
	now := s.d.Now()
	ticket, refusal := s.prepare(w.p, now)
	if refusal != nil && !restsOnState(refusal.Code) && s.enabled() && !s.dirAt.After(w.at.Add(-refusalFreshness)) {
		s.prepares = append(s.prepares, w)
		s.refreshDirectory(now, true) // or, if a read is running, the next one (answerPrepares)
		return
	}
	s.proceed(w, ticket, refusal)
}

// answerPrepares answers the prepares that waited for the directory, once the entry was
// read after they arrived; a read already running when one arrived does not count for it.
func (s *sender) answerPrepares() {
	waiting := s.prepares
	s.prepares = nil
	now := s.d.Now()
	for _, w := range waiting {
		if w.at.After(s.dirAt) {
			s.prepares = append(s.prepares, w)
			continue
		}
		ticket, refusal := s.prepare(w.p, now)
		s.proceed(w, ticket, refusal)
	}
	if len(s.prepares) > 0 {
		s.refreshDirectory(now, true)
	}
}

// restsOnState reports whether a refusal rests on the tenant's own state (its templates,
// its pauses), not on the directory entry, so a fresher entry would not change it.
func restsOnState(code string) bool {
	return code == FailureTemplate || code == FailureTemplateParams || code == FailureSendingPaused
}

// proceed acts on a prepare's answer: a refusal answers the caller; a ticket answers a
// PrepareSend, or — once the window is vouched for, when the message needs it — sends a
// QueueOutbound's message from the ticket's number.
func (s *sender) proceed(w pendingPrepare, ticket *SendTicket, refusal *cluster.Failure) {
	if refusal == nil && w.q != nil {
		// Before the window: the answer to a customer who left this number is where they went.
		refusal = s.numberChangedRefusal(w.q.Message.ConversationID)
	}
	switch {
	case refusal != nil:
		w.r.Send(refusal)
	case w.q == nil:
		w.r.Send(ticket)
	case w.q.NeedsWindow && (s.windowOpen == nil || !s.windowOpen(w.q.Message.ConversationID)):
		w.r.Fail(FailureWindowUnvouched, "the tenant's copy of conversation "+w.q.Message.ConversationID+" does not show an open window")
	default:
		q := *w.q // the caller's value is shared, never changed
		q.Message.PhoneNumberID = ticket.PhoneNumberID
		s.accept(&q, w.r)
	}
}

// needsReauth: the directory or a webhook says so, or Meta rejected this very token.
func (s *sender) needsReauth() bool {
	return s.dir.NeedsReauth || s.state.NeedsReauth || (s.deadToken != "" && s.deadToken == s.sealed)
}

// businessInitiated reports whether a send is business-initiated: a template the tenant's
// copy of the conversation does not vouch is inside the customer's window (none named: not
// vouched). Anything else is a reply inside the window, which free-form sends need.
func (s *sender) businessInitiated(template bool, conversationID string) bool {
	return template && (conversationID == "" || s.windowOpen == nil || !s.windowOpen(conversationID))
}

// restrictionHolding is the account restriction that refuses a queued message now, if any:
// it waits in its lane (other recipients' messages go on) until the restriction ends.
func (s *sender) restrictionHolding(it *outItem, now time.Time) (Restriction, bool) {
	if len(s.state.Restrictions) == 0 {
		return Restriction{}, false
	}
	_, template := it.template()
	return s.state.restrictionRefusing(s.businessInitiated(template, it.row.ConversationID), now)
}
