package fakemeta

import (
	"fmt"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Endpoint names a management endpoint, for FailNextCalls.
type Endpoint string

// The management endpoints the engine calls. Each but EndpointPhoneNumber counts toward its
// WABA's Config.ManagementBudget: they are the ones WHATSAPP.md §3 lists under Meta's 200
// calls an hour per WABA.
const (
	EndpointTemplates      Endpoint = "message_templates" // GET /{waba_id}/message_templates
	EndpointPhoneNumbers   Endpoint = "phone_numbers"     // GET /{waba_id}/phone_numbers
	EndpointSubscribedApps Endpoint = "subscribed_apps"   // GET, POST and DELETE /{waba_id}/subscribed_apps
	EndpointWABA           Endpoint = "waba"              // GET /{waba_id}
	EndpointPhoneNumber    Endpoint = "phone_number"      // GET /{phone_number_id}: number, health, throughput
)

// budgetWindow is the rolling span of Config.ManagementBudget: Meta counts an hour.
const budgetWindow = time.Hour

// managementCalls holds the faults queued for management endpoints and each WABA's
// recent management calls (Config.ManagementBudget).
type managementCalls struct {
	mu     sync.Mutex
	faults map[callTarget][]int
	recent map[string][]time.Time // by WABA: the calls within the last budgetWindow, oldest first
}

type callTarget struct {
	endpoint Endpoint
	id       string
}

// FailNextCalls makes the next count calls to endpoint on id — the WABA id, or the phone
// number id for EndpointPhoneNumber — fail with code, after the token is checked, e.g.
// 80007 (the WABA's rate limit), 4 (the app's), 131000, 2. An 80007 or 4 answer carries
// the X-Business-Use-Case-Usage header with estimated_time_to_regain_access, as Meta's do.
// A failed call does not count toward the management budget.
func (s *Server) FailNextCalls(endpoint Endpoint, id string, code, count int) {
	m := &s.calls
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.faults == nil {
		m.faults = map[callTarget][]int{}
	}
	enqueueFaults(m.faults, callTarget{endpoint, id}, code, count)
}

// ManagementCalls is how many management calls of the WABA count toward its budget now:
// those of the last hour that were answered (refused ones do not count). It counts only
// with a Config.ManagementBudget.
func (s *Server) ManagementCalls(wabaID string) int {
	m := &s.calls
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.live(wabaID, s.now()))
}

// managementCall lets an authorized call to endpoint on id (of wabaID) through, or answers
// it with an injected fault or, over the WABA's budget, with 80007 — and returns false.
// Under a budget every answer carries the WABA's usage (X-Business-Use-Case-Usage).
func (s *Server) managementCall(ctx *fasthttp.RequestCtx, endpoint Endpoint, id, wabaID string) bool {
	m := &s.calls
	now := s.now()
	m.mu.Lock()
	code, injected := dequeueFault(m.faults, callTarget{endpoint, id})
	budget := s.cfg.ManagementBudget
	counted := budget > 0 && endpoint != EndpointPhoneNumber
	var used int
	var regain time.Duration
	refused := false
	if counted {
		calls := m.live(wabaID, now)
		switch {
		case injected:
		case len(calls) >= budget:
			refused = true
			regain = calls[len(calls)-budget].Add(budgetWindow).Sub(now)
		default:
			calls = append(calls, now)
		}
		m.recent[wabaID] = calls
		used = len(calls)
	}
	m.mu.Unlock()
	switch {
	case injected:
		if code == 80007 || code == 4 {
			setUsage(ctx, wabaID, 100, wabaRegainMinutes)
		}
		writeError(ctx, apiError(code, ""))
		return false
	case refused:
		setUsage(ctx, wabaID, 100, int((regain+time.Minute-1)/time.Minute))
		writeError(ctx, apiError(80007, ""))
		return false
	case counted:
		setUsage(ctx, wabaID, used*100/budget, 0)
	}
	return true
}

// live is the WABA's calls within the budget window before now, pruned. m.mu is held.
func (m *managementCalls) live(wabaID string, now time.Time) []time.Time {
	if m.recent == nil {
		m.recent = map[string][]time.Time{}
	}
	calls := m.recent[wabaID]
	i := 0
	for i < len(calls) && !calls[i].After(now.Add(-budgetWindow)) {
		i++
	}
	return calls[i:]
}

// setUsage writes Meta's X-Business-Use-Case-Usage header for the WABA's management calls
// (WHATSAPP.md §2.2): call_count is the share of the budget used, in percent, and
// estimated_time_to_regain_access the minutes until a call is allowed again.
func setUsage(ctx *fasthttp.RequestCtx, wabaID string, percent, regainMinutes int) {
	ctx.Response.Header.Set("X-Business-Use-Case-Usage", fmt.Sprintf(
		`{%q:[{"type":"whatsapp_business_management","call_count":%d,"total_cputime":%d,"total_time":%d,"estimated_time_to_regain_access":%d}]}`,
		wabaID, percent, min(percent, 100)/10, min(percent, 100)/10, regainMinutes))
}

// enqueueFaults appends count copies of code to the faults of k.
func enqueueFaults(faults map[callTarget][]int, k callTarget, code, count int) {
	q := faults[k]
	enqueue(&q, code, count)
	faults[k] = q
}

// dequeueFault takes the oldest fault queued for k, if any.
func dequeueFault(faults map[callTarget][]int, k callTarget) (int, bool) {
	q := faults[k]
	code, ok := dequeue(&q)
	if ok {
		faults[k] = q
	}
	return code, ok
}
