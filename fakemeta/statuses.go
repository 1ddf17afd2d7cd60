package fakemeta

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/switchboard/switchboard/transport/graph"
)

// statusPlan is what the status webhooks of one accepted send need.
type statusPlan struct {
	at              where
	wamid           string
	recipientID     string // wa_id for phone sends
	recipientUserID string // BSUID sends
	profileName     string // the user's, as last seen on an inbound message (BSUID sends)
	callbackData    string
	pricing         graph.Pricing
	failCode        int           // non-zero: the send fails asynchronously with this code
	late            time.Duration // delivery lag on top of every status's delay (DelayNextStatuses)
}

// statusStep is one status of the plan: what happened and when (its timestamp), and when
// it is posted — the same moment unless the statuses were reordered.
type statusStep struct {
	status   string
	happened time.Time
	delay    time.Duration // after the send, when the step is posted
}

// scheduleStatuses posts the send's statuses (planSteps) through statusDeliveries, each
// retried on its own. Pricing rides on sent and on one of delivered/read, never both
// (W-ST); with DuplicateRate a webhook is posted twice.
func (s *Server) scheduleStatuses(p statusPlan) {
	c := s.cfg.Statuses
	if c.Disabled {
		return
	}
	steps := c.planSteps(s.now(), p.failCode != 0)
	pricedSecond := graph.StatusDelivered
	if c.SkipDelivered {
		pricedSecond = graph.StatusRead
	}
	start := time.Now()
	var first, last *statusPost
	queue := func(post *statusPost) {
		if last == nil {
			first = post
		} else {
			last.next = post
		}
		last = post
	}
	for _, st := range steps {
		hs := hookStatus{
			ID: p.wamid, Status: st.status, Timestamp: unixString(st.happened),
			RecipientID: p.recipientID, RecipientUserID: p.recipientUserID, BizOpaqueCallbackData: p.callbackData,
		}
		switch st.status {
		case graph.StatusSent, pricedSecond:
			pricing := p.pricing
			hs.Pricing = &pricing
		case graph.StatusFailed:
			hs.Errors = failure(p.failCode, "")
		}
		post := &statusPost{due: start.Add(p.late + st.delay), wabaID: p.at.wabaID, body: p.at.status(hs, p.contacts(st.status))}
		queue(post)
		if chance(c.DuplicateRate) {
			queue(&statusPost{due: post.due, wabaID: post.wabaID, body: post.body})
		}
	}
	s.queueStatuses(first)
}

// contacts is the contacts block of the status webhook: the 2026 BSUID shape —
// recipient_user_id, no recipient_id — carries the user as contacts[{profile, user_id}],
// except on failed (WHATSAPP.md §1.5). Statuses of phone sends keep the shape every status
// fixture shows, without contacts.
func (p statusPlan) contacts(status string) []hookContact {
	if p.recipientUserID == "" || status == graph.StatusFailed {
		return nil
	}
	c := hookContact{UserID: p.recipientUserID}
	c.Profile.Name = p.profileName
	return []hookContact{c}
}

// planSteps is a send's statuses, sent at sentAt: sent → delivered → read at their delays,
// or one failed. With ReorderRate they swap posting slots (read first), each keeping the
// moment it happened — its own delay after the send — as Meta's keep theirs
// (fixtures/webhooks/sequence_out_of_order_and_duplicate.json: read arrives first with the
// later timestamp).
func (c StatusConfig) planSteps(sentAt time.Time, failed bool) []statusStep {
	step := func(status string, delay time.Duration) statusStep {
		return statusStep{status: status, happened: sentAt.Add(delay), delay: delay}
	}
	if failed {
		return []statusStep{step(graph.StatusFailed, c.SentDelay)}
	}
	steps := []statusStep{step(graph.StatusSent, c.SentDelay)}
	if !c.SkipDelivered {
		steps = append(steps, step(graph.StatusDelivered, c.DeliveredDelay))
	}
	if !c.SkipRead {
		steps = append(steps, step(graph.StatusRead, c.ReadDelay))
	}
	if len(steps) > 1 && chance(c.ReorderRate) {
		for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
			steps[i].status, steps[j].status = steps[j].status, steps[i].status
			steps[i].happened, steps[j].happened = steps[j].happened, steps[i].happened
		}
	}
	return steps
}

func chance(p float64) bool { return p > 0 && (p >= 1 || rand.Float64() < p) }

// pricingFor is PMP pricing: templates are billed by category, except utility templates
// inside an open window; free-form messages (only possible inside a window) are free.
func pricingFor(req *graph.SendRequest, category string, inWindow bool) graph.Pricing {
	if req.Type != graph.TypeTemplate {
		return graph.Pricing{Billable: false, PricingModel: "PMP", Type: "free_customer_service", Category: "service"}
	}
	cat := strings.ToLower(category)
	if cat == "utility" && inWindow {
		return graph.Pricing{Billable: false, PricingModel: "PMP", Type: "free_customer_service", Category: cat}
	}
	return graph.Pricing{Billable: true, PricingModel: "PMP", Type: "regular", Category: cat}
}
