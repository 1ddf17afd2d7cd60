package fakemeta

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/phone"
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
// (W-ST); with DuplicateRate a webhook is posted twice, the copy after a random extra delay
// (duplicateLag). With a BatchWindow the posts carry their status unserialised, for the
// batch they join to serialise.
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
	userID := p.recipientUserID
	if userID == "" && !c.NoContacts {
		userID = UserIDOf(p.at.wabaID, p.recipientID) // the 2026 shape names the user both ways
	}
	start := time.Now()
	var first, last *statusPost
	var copies []*statusPost
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
			RecipientID: p.recipientID, RecipientUserID: userID, BizOpaqueCallbackData: p.callbackData,
		}
		switch st.status {
		case graph.StatusSent, pricedSecond:
			pricing := p.pricing
			hs.Pricing = &pricing
		case graph.StatusFailed:
			hs.Errors = failure(p.failCode, "")
		}
		item := &statusItem{at: p.at, status: hs, contacts: p.contacts(st.status, userID, c.NoContacts)}
		post := &statusPost{due: start.Add(p.late + st.delay), wabaID: p.at.wabaID}
		if c.BatchWindow > 0 {
			post.item = item
		} else {
			post.body = item.at.status(item.status, item.contacts)
		}
		queue(post)
		if chance(c.DuplicateRate) {
			copies = append(copies, &statusPost{due: post.due.Add(c.duplicateLag()), wabaID: post.wabaID, item: post.item, body: post.body})
		}
	}
	s.queueStatuses(first)
	for _, dup := range copies {
		s.queueStatuses(dup)
	}
}

// defaultDuplicateDelay bounds a duplicate's extra delay when DuplicateDelay is 0.
const defaultDuplicateDelay = 500 * time.Millisecond

// duplicateLag is how long after its original a duplicate status is posted: Meta's
// duplicates are retries of a delivery it took for failed, which often land after the
// message's later statuses (WHATSAPP.md §1.3), not back to back with the original.
func (c StatusConfig) duplicateLag() time.Duration {
	bound := c.DuplicateDelay
	if bound <= 0 {
		bound = defaultDuplicateDelay
	}
	return rand.N(bound) + 1
}

// contacts is the contacts block of a status webhook: since 2026 every status but failed
// carries the user as contacts[{profile, wa_id?, user_id}] (WHATSAPP.md §1.5) — a BSUID
// send's without wa_id, a phone send's with both (userID is UserIDOf its wa_id). noContacts
// keeps phone sends in the shape every status fixture shows, without contacts.
func (p statusPlan) contacts(status, userID string, noContacts bool) []hookContact {
	if status == graph.StatusFailed || (noContacts && p.recipientUserID == "") {
		return nil
	}
	c := hookContact{WaID: p.recipientID, UserID: userID}
	c.Profile.Name = p.profileName
	return []hookContact{c}
}

// UserIDOf is the business-scoped user id (BSUID, WHATSAPP.md §1.5) fakemeta gives the
// WhatsApp user waID in the WABA's status webhooks: a country, a dot and 20 digits, like
// Meta's "US.13491208655302741918" — stable, and the same for both forms of a Brazilian or
// Mexican mobile (one user). Meta scopes it to the business portfolio; fakemeta, which has
// no portfolios, to the WABA. "" for no waID.
func UserIDOf(wabaID, waID string) string {
	d := phone.Digits(waID)
	if d == "" {
		return ""
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(wabaID + "|" + userKey(d)))
	return fmt.Sprintf("%s.%020d", countryISO(d), h.Sum64())
}

// countryISO is the ISO 3166 country of a few calling codes tests use, "ZZ" (ISO's code
// for an unknown country) for the others.
func countryISO(digits string) string {
	switch countryCode(digits) {
	case "1":
		return "US"
	case "44":
		return "GB"
	case "49":
		return "DE"
	case "52":
		return "MX"
	case "55":
		return "BR"
	case "91":
		return "IN"
	}
	return "ZZ"
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
