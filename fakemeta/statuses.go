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
	callbackData    string
	pricing         graph.Pricing
	failCode        int // non-zero: the send fails asynchronously with this code
}

// statusStep is one status of the plan: what happened and when (its timestamp), and when
// it is posted — the same moment unless the statuses were reordered.
type statusStep struct {
	status   string
	happened time.Time
	delay    time.Duration // after the send, when the step is posted
}

// scheduleStatuses posts the send's statuses: sent → delivered → read at their delays, or
// one failed. Pricing rides on sent and on one of delivered/read, never both (W-ST). With
// ReorderRate the statuses swap slots (read first), each stamped with when it happened (its
// own delay after the send, on Config.Clock); with DuplicateRate a webhook is posted twice.
// One goroutine walks a message's steps in order, so reordering is deterministic.
func (s *Server) scheduleStatuses(p statusPlan) {
	c := s.cfg.Statuses
	if c.Disabled {
		return
	}
	sentAt := s.now()
	step := func(status string, delay time.Duration) statusStep {
		return statusStep{status: status, happened: sentAt.Add(delay), delay: delay}
	}
	var steps []statusStep
	if p.failCode != 0 {
		steps = []statusStep{step(graph.StatusFailed, c.SentDelay)}
	} else {
		steps = append(steps, step(graph.StatusSent, c.SentDelay))
		if !c.SkipDelivered {
			steps = append(steps, step(graph.StatusDelivered, c.DeliveredDelay))
		}
		if !c.SkipRead {
			steps = append(steps, step(graph.StatusRead, c.ReadDelay))
		}
	}
	pricedSecond := graph.StatusDelivered
	if c.SkipDelivered {
		pricedSecond = graph.StatusRead
	}
	if len(steps) > 1 && chance(c.ReorderRate) {
		// The statuses swap posting slots; each keeps the moment it happened, as Meta's
		// keep theirs (fixtures/webhooks/sequence_out_of_order_and_duplicate.json: read
		// arrives first with the later timestamp).
		for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
			steps[i].status, steps[j].status = steps[j].status, steps[i].status
			steps[i].happened, steps[j].happened = steps[j].happened, steps[i].happened
		}
	}
	start := time.Now()
	s.goBackground(func() {
		for _, st := range steps {
			if !s.sleepUntil(start.Add(st.delay)) {
				return
			}
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
			body := p.at.status(hs)
			url := s.callbackFor(p.at.wabaID)
			_ = s.hooks.post(s.bg, url, body) // failures are counted as dropped
			if chance(c.DuplicateRate) {
				_ = s.hooks.post(s.bg, url, body)
			}
		}
	})
}

// sleepUntil waits for t or Close; false means the server is closing.
func (s *Server) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return s.bg.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.bg.Done():
		return false
	}
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
