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
	case !s.dirFound:
		return nil, FailureNotConfigured, "the tenant is not in the directory"
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

// pendingPrepare is a PrepareSend waiting for a fresh directory entry.
type pendingPrepare struct {
	p  *PrepareSend
	r  cluster.Replier
	at time.Time // arrival: only a read started after it may refuse it
}

// answerPrepare answers p, unless the answer would be a refusal resting on a directory entry
// that is not fresh: then it reads the entry again first and answers once it has.
func (s *sender) answerPrepare(p *PrepareSend, r cluster.Replier) {
	now := s.d.Now()
	ticket, code, why := s.prepare(p, now)
	if code != "" && code != FailureTemplate && code != FailureSendingPaused && s.enabled() &&
		!s.dirAt.After(now.Add(-refusalFreshness)) {
		s.prepares = append(s.prepares, pendingPrepare{p: p, r: r, at: now})
		s.refreshDirectory(now, true) // or, if a read is running, the next one (answerPrepares)
		return
	}
	replyPrepare(r, ticket, code, why)
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
		replyPrepare(w.r, ticket, code, why)
	}
	if len(s.prepares) > 0 {
		s.refreshDirectory(now, true)
	}
}

func replyPrepare(r cluster.Replier, ticket *SendTicket, code, why string) {
	if code != "" {
		r.Fail(code, why)
		return
	}
	r.Send(ticket)
}

// needsReauth: the directory or a webhook says so, or Meta rejected this very token.
func (s *sender) needsReauth() bool {
	return s.dir.NeedsReauth || s.state.NeedsReauth || (s.deadToken != "" && s.deadToken == s.sealed)
}
