package fakemeta

import (
	"math/rand/v2"
	"slices"
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
	failCode        int           // non-zero: the send fails asynchronously with this code
	late            time.Duration // added to every status's delay (DelayNextStatuses)
}

type statusStep struct {
	status string
	delay  time.Duration
}

// scheduleStatuses posts the send's statuses: sent → delivered → read at their delays, or
// one failed. Pricing rides on sent and on one of delivered/read, never both (W-ST). With
// ReorderRate the statuses swap slots (read first); with DuplicateRate a webhook is posted
// twice. One goroutine walks a message's steps in order, so reordering is deterministic.
func (s *Server) scheduleStatuses(p statusPlan) {
	c := s.cfg.Statuses
	if c.Disabled {
		return
	}
	var steps []statusStep
	if p.failCode != 0 {
		steps = []statusStep{{graph.StatusFailed, c.SentDelay}}
	} else {
		steps = append(steps, statusStep{graph.StatusSent, c.SentDelay})
		if !c.SkipDelivered {
			steps = append(steps, statusStep{graph.StatusDelivered, c.DeliveredDelay})
		}
		if !c.SkipRead {
			steps = append(steps, statusStep{graph.StatusRead, c.ReadDelay})
		}
	}
	pricedSecond := graph.StatusDelivered
	if c.SkipDelivered {
		pricedSecond = graph.StatusRead
	}
	if len(steps) > 1 && chance(c.ReorderRate) {
		names := make([]string, len(steps))
		for i, st := range steps {
			names[i] = st.status
		}
		slices.Reverse(names)
		for i := range steps {
			steps[i].status = names[i]
		}
	}
	start := time.Now().Add(p.late)
	s.goBackground(func() {
		for _, st := range steps {
			if !s.sleepUntil(start.Add(st.delay)) {
				return
			}
			hs := hookStatus{
				ID: p.wamid, Status: st.status, Timestamp: unixString(s.now()),
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
