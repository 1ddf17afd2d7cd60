package actors

import (
	"fmt"
	"time"

	"github.com/switchboard/switchboard/cluster"
)

// TemplateApproved is the only template status Meta lets a business send.
const TemplateApproved = "APPROVED"

// prepare answers PrepareSend from what the tenant knows now: its directory entry (at most
// DirectoryRefresh old), its pauses, and its templates. code is "" when the send may go.
func (s *sender) prepare(p *PrepareSend, now time.Time) (ticket *SendTicket, code, why string) {
	s.refreshDirectory(now, false)
	switch {
	case !s.enabled():
		return nil, FailureNotConfigured, "this node has no Graph API client and cannot send"
	case !s.dirFound: // its conversations are not found either (ErrNotFound), so neither is the send
		return nil, FailureNotFound, "the tenant is not in the directory"
	case !s.dir.Active:
		return nil, FailureTenantInactive, "the tenant is deactivated"
	case s.dir.PhoneNumberID == "" || s.dir.AccessToken.IsZero():
		return nil, FailureNotConfigured, "the tenant has no connected WhatsApp number; complete Embedded Signup first"
	case s.token == "":
		return nil, FailureNotConfigured, "the tenant's access token cannot be opened with this node's keys"
	case s.needsReauth():
		return nil, FailureNeedsReauth, "Meta rejected the tenant's access token; reconnect the number through Embedded Signup"
	case s.state.Restricted:
		return nil, FailureSendingPaused, "Meta restricted the WhatsApp Business Account; sends resume once it is reinstated"
	case s.state.SendsPausedUntil.After(now):
		return nil, FailureSendingPaused, fmt.Sprintf("sends are paused until %s: %s",
			s.state.SendsPausedUntil.UTC().Format(time.RFC3339), s.state.SendsPausedReason)
	}
	if p.Template != nil {
		t, ok := s.state.Templates[templateKey(p.Template.Name, p.Template.Language)]
		switch {
		case !ok:
			return nil, FailureTemplate, fmt.Sprintf("template %s (%s) is not known for this tenant; sync templates first",
				p.Template.Name, p.Template.Language)
		case t.Status != TemplateApproved:
			return nil, FailureTemplate, fmt.Sprintf("template %s (%s) is %s, not APPROVED", p.Template.Name, p.Template.Language, t.Status)
		}
	}
	return &SendTicket{PhoneNumberID: s.dir.PhoneNumberID}, "", ""
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
	s.prepareThen(pendingPrepare{p: &PrepareSend{Template: q.Template}, q: q, r: r, at: s.d.Now()})
}

// prepareThen answers w now, or parks it until a directory read started after it arrived
// when its answer would be a refusal resting on an older entry.
func (s *sender) prepareThen(w pendingPrepare) {
	now := s.d.Now()
	ticket, code, why := s.prepare(w.p, now)
	if code != "" && code != FailureTemplate && code != FailureSendingPaused && s.enabled() &&
		!s.dirAt.After(w.at.Add(-refusalFreshness)) {
		s.prepares = append(s.prepares, w)
		s.refreshDirectory(now, true) // or, if a read is running, the next one (answerPrepares)
		return
	}
	s.proceed(w, ticket, code, why)
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
		ticket, code, why := s.prepare(w.p, now)
		s.proceed(w, ticket, code, why)
	}
	if len(s.prepares) > 0 {
		s.refreshDirectory(now, true)
	}
}

// proceed acts on a prepare's answer: a refusal answers the caller; a ticket answers a
// PrepareSend, or — once the window is vouched for, when the message needs it — sends a
// QueueOutbound's message from the ticket's number.
func (s *sender) proceed(w pendingPrepare, ticket *SendTicket, code, why string) {
	switch {
	case code != "":
		w.r.Fail(code, why)
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
