package actors

import (
	"fmt"
	"testing"
	"time"
)

func TestMessagingLimitOf(t *testing.T) {
	cases := []struct {
		tier  string
		limit int
		ok    bool
	}{
		{"TIER_50", 50, true},
		{"TIER_250", 250, true},
		{"TIER_1K", 1_000, true},
		{"TIER_2K", 2_000, true},
		{"TIER_10K", 10_000, true},
		{"TIER_100K", 100_000, true},
		{"TIER_UNLIMITED", 0, true},
		{"tier_2k", 2_000, true},
		{"1000", 1_000, true}, // the legacy per-phone count, a number in the webhook
		{" TIER_250 ", 250, true},
		{"", 0, false},
		{"TIER_", 0, false},
		{"TIER_FOO", 0, false},
		{"TIER_-5", 0, false},
		{"0", 0, false},
		{"TIER_99999999999K", 0, false},
	}
	for _, c := range cases {
		limit, ok := MessagingLimitOf(c.tier)
		if limit != c.limit || ok != c.ok {
			t.Errorf("MessagingLimitOf(%q) = %d, %v; want %d, %v", c.tier, limit, ok, c.limit, c.ok)
		}
	}
}

// The tier follows the newest event that reports one; events without one leave it, and a
// state saved before MessagingTier existed finds it among its remembered events.
func TestTenantStateFollowsTheMessagingTier(t *testing.T) {
	s := newTenantState()
	if s.messagingLimit() != 0 {
		t.Fatal("a tenant Meta told nothing limits nothing")
	}
	steps := []struct {
		ev   TenantEvent
		want int
	}{
		{TenantEvent{Field: "business_capability_update", Capability: map[string]string{capabilityPerBusiness: "TIER_2K", "max_phone_numbers_per_waba": "25"}}, 2_000},
		{TenantEvent{Field: "account_update", Account: &AccountEvent{Event: "PARTNER_ADDED"}}, 2_000},
		{TenantEvent{Field: "phone_number_quality_update", Quality: &QualityUpdate{Event: "DOWNGRADE", OldLimit: "TIER_2K", CurrentLimit: "TIER_250", MaxDaily: "TIER_250"}}, 250},
		{TenantEvent{Field: "phone_number_quality_update", Quality: &QualityUpdate{Event: "UPGRADE", CurrentLimit: "TIER_10K"}}, 10_000},
		{TenantEvent{Field: "business_capability_update", Capability: map[string]string{capabilityPerPhone: "1000"}}, 1_000},
		{TenantEvent{Field: "phone_number_quality_update", Quality: &QualityUpdate{Event: EventThroughputUpgrade, CurrentLimit: "TIER_UNLIMITED"}}, 0},
	}
	for i, st := range steps {
		s.apply(st.ev)
		if got := s.messagingLimit(); got != st.want {
			t.Fatalf("after event %d (%s): limit %d, want %d", i, st.ev.Field, got, st.want)
		}
	}
	old := TenantState{Recent: []TenantEvent{steps[0].ev, steps[2].ev, steps[1].ev}}
	if got := old.messagingLimit(); got != 250 {
		t.Fatalf("state saved before MessagingTier: limit %d, want 250 from its newest tier event", got)
	}
}

func TestInitiatedLedger(t *testing.T) {
	day := MessagingLimitWindow
	var l initiatedLedger
	admit := func(conv string, at time.Time, limit int) (time.Duration, bool) {
		t.Helper()
		return l.admit(conv, at, at, limit)
	}
	for i := range 3 {
		if _, ok := admit(fmt.Sprint("c", i), t0.Add(time.Duration(i)*time.Hour), 3); !ok {
			t.Fatalf("recipient %d of 3 refused", i)
		}
	}
	wait, ok := admit("c3", t0.Add(5*time.Hour), 3)
	if ok || wait != 19*time.Hour {
		t.Fatalf("a fourth recipient with the limit at 3: ok %v, wait %s; want refused for 19h (c0 leaves at t0+24h)", ok, wait)
	}
	// A recipient already counted is no new user: admitted, and counted from now on.
	if _, ok := admit("c0", t0.Add(6*time.Hour), 3); !ok {
		t.Fatal("a repeat to a counted recipient was refused")
	}
	// c0's first message no longer holds the window's head: c1 (t0+1h) is now the oldest.
	if wait, ok := admit("c3", t0.Add(7*time.Hour), 3); ok || wait != 18*time.Hour {
		t.Fatalf("after c0 moved on: ok %v, wait %s; want refused for 18h", ok, wait)
	}
	if _, ok := admit("c3", t0.Add(day+time.Hour), 3); !ok {
		t.Fatal("c1 left the window; c3 should fit")
	}
	if n := l.count(t0.Add(day + time.Hour)); n != 3 {
		t.Fatalf("count %d, want 3 (c0, c2, c3)", n)
	}
	// No limit (unlimited or unknown) admits everyone, and still counts them.
	for i := range 10 {
		if _, ok := admit(fmt.Sprint("u", i), t0.Add(day+2*time.Hour), 0); !ok {
			t.Fatal("no limit refused")
		}
	}
	if n := l.count(t0.Add(day + 2*time.Hour)); n != 12 {
		t.Fatalf("count %d, want 12 (c0, c3 and the ten; c2 left the window this very moment)", n)
	}
	// A conversation's report older than an admission it has not reflected yet (a summary
	// flushed before the template was recorded) leaves the admission counting; everything
	// ages out.
	l.report("c3", t0)
	if n := l.count(t0.Add(day + 2*time.Hour)); n != 12 {
		t.Fatalf("count %d after an older report, want 12", n)
	}
	if n := l.count(t0.Add(2*day + 2*time.Hour)); n != 0 {
		t.Fatalf("two days on: count %d, want 0", n)
	}
}

// Repeats to the same few recipients supersede their heap entries; the heap is compacted
// rather than growing with every send.
func TestInitiatedLedgerCompacts(t *testing.T) {
	var l initiatedLedger
	for i := range 10_000 {
		at := t0.Add(time.Duration(i) * time.Second)
		l.admit(fmt.Sprint("c", i%5), at, at, 0)
	}
	if len(l.due) > 2*5+1024+1 {
		t.Fatalf("heap holds %d entries for 5 recipients", len(l.due))
	}
	if n := l.count(t0.Add(10_000 * time.Second)); n != 5 {
		t.Fatalf("count %d, want 5", n)
	}
}

// A recipient counts from the later of what its conversation reports and what the sender
// admitted and the conversation has not reported yet; a template that never reached Meta is
// taken back by the sender (withdraw) before the conversation reports it, and by the
// conversation (a report that moves back) after.
func TestInitiatedLedgerTakesBack(t *testing.T) {
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	type step struct {
		op    string // admit, report, withdraw
		conv  string
		at    time.Time
		count int // recipients counted after the step (at h(10))
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"canceled before its conversation reported it", []step{
			{"admit", "a", h(1), 1}, {"withdraw", "a", h(1), 0}, {"report", "a", time.Time{}, 0}}},
		{"canceled after its conversation reported it", []step{
			{"admit", "a", h(1), 1}, {"report", "a", h(1), 1}, {"withdraw", "a", h(1), 1}, {"report", "a", time.Time{}, 0}}},
		{"a template before it still counts once the later one is taken back", []step{
			{"report", "a", h(1), 1}, {"admit", "a", h(2), 1}, {"withdraw", "a", h(2), 1}, {"report", "a", h(1), 1}}},
		{"a withdrawal of an older admission leaves the newer one", []step{
			{"admit", "a", h(1), 1}, {"admit", "a", h(2), 1}, {"withdraw", "a", h(1), 1}}},
		{"a report that already holds the admission ends its pending", []step{
			{"admit", "a", h(1), 1}, {"report", "a", h(2), 1}, {"withdraw", "a", h(1), 1}, {"report", "a", time.Time{}, 0}}},
		{"others are untouched", []step{
			{"admit", "a", h(1), 1}, {"admit", "b", h(2), 2}, {"withdraw", "a", h(1), 1}, {"report", "b", h(2), 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var l initiatedLedger
			for i, st := range c.steps {
				switch st.op {
				case "admit":
					if _, ok := l.admit(st.conv, st.at, st.at, 0); !ok {
						t.Fatalf("step %d: refused", i)
					}
				case "report":
					l.report(st.conv, st.at)
				case "withdraw":
					l.withdraw(st.conv, st.at)
				}
				if n := l.count(h(10)); n != st.count {
					t.Fatalf("step %d (%s %s): count %d, want %d", i, st.op, st.conv, n, st.count)
				}
			}
		})
	}
	// A recipient taken back frees its place under the limit at once.
	var l initiatedLedger
	l.admit("a", h(1), h(1), 1)
	if _, ok := l.admit("b", h(2), h(2), 1); ok {
		t.Fatal("a second recipient with the limit at 1")
	}
	l.withdraw("a", h(1))
	if _, ok := l.admit("b", h(3), h(3), 1); !ok {
		t.Fatal("the place a withdrawn template held was not given back")
	}
}

// A template counts against the messaging limit when the customer's window is closed at
// its time; inside the window, or any other type, it does not.
func TestConversationMarksBusinessInitiatedTemplates(t *testing.T) {
	cases := []struct {
		name      string
		inboundAt time.Time // zero: the customer never wrote
		typ       string
		initiated bool
	}{
		{"template to a customer who never wrote", time.Time{}, "template", true},
		{"template after the window closed", t0.Add(-25 * time.Hour), "template", true},
		{"template inside the window", t0.Add(-time.Hour), "template", false},
		{"text inside the window", t0.Add(-time.Hour), "text", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conv := newTestConversation()
			if !c.inboundAt.IsZero() {
				if _, err := conv.deliver(&Deliver{Contact: Contact{WaID: "5511987654321"}, Messages: []Message{inbound("w1", c.inboundAt)}}, c.inboundAt); err != nil {
					t.Fatal(err)
				}
			}
			conv.addOutbound(Message{ID: "o1", Type: c.typ, Timestamp: t0}, t0)
			if got := conv.s.Summary.LastInitiatedAt; got.Equal(t0) != c.initiated || (!c.initiated && !got.IsZero()) {
				t.Fatalf("LastInitiatedAt %v, initiated %v", got, c.initiated)
			}
		})
	}
}

// A business-initiated template that never reached Meta gives its customer's count back:
// the conversation's LastInitiatedAt returns to what it was before the template; one Meta
// accepted keeps counting. With two unsent templates, either may be taken back first.
func TestConversationTakesBackTemplatesThatNeverReachedMeta(t *testing.T) {
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	canceled := func(id string) *OutboundResult { return &OutboundResult{MessageID: id, Status: StatusCanceled} }
	refused := func(id string) *OutboundResult {
		return &OutboundResult{MessageID: id, Status: StatusFailed, Error: &MessageError{Code: 132001, Title: "Template name does not exist in the translation"}}
	}
	sent := func(id string) *OutboundResult {
		return &OutboundResult{MessageID: id, WAMID: "wamid." + id, Status: StatusSent}
	}
	failedAtMeta := func(id string) *OutboundResult {
		return &OutboundResult{MessageID: id, WAMID: "wamid." + id, Status: StatusFailed, Error: &MessageError{Code: 131026}}
	}
	cases := []struct {
		name     string
		outcomes []*OutboundResult
		want     []time.Time // LastInitiatedAt after each outcome
	}{
		{"canceled", []*OutboundResult{canceled("b")}, []time.Time{h(1)}},
		{"refused by Meta's answer", []*OutboundResult{refused("b")}, []time.Time{h(1)}},
		{"sent, then a late cancel answer changes nothing", []*OutboundResult{sent("b"), canceled("b")}, []time.Time{h(2), h(2)}},
		{"failed at Meta after it accepted", []*OutboundResult{failedAtMeta("b")}, []time.Time{h(2)}},
		{"the later one first, then the earlier", []*OutboundResult{canceled("c"), canceled("b")}, []time.Time{h(2), h(1)}},
		{"the earlier one first, then the later", []*OutboundResult{canceled("b"), canceled("c")}, []time.Time{h(3), h(1)}},
		{"the earlier sent, the later canceled", []*OutboundResult{sent("b"), canceled("c")}, []time.Time{h(3), h(2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conv := newTestConversation()
			// a: a template Meta accepted long ago, still in the 24 hours; b and c: unsent.
			conv.addOutbound(Message{ID: "a", Type: "template", Timestamp: h(1)}, h(1))
			resultApplied(conv, sent("a"), h(1))
			conv.addOutbound(Message{ID: "b", Type: "template", Timestamp: h(2)}, h(2))
			for _, o := range c.outcomes {
				if o.MessageID == "c" {
					conv.addOutbound(Message{ID: "c", Type: "template", Timestamp: h(3)}, h(3))
					break
				}
			}
			for i, o := range c.outcomes {
				resultApplied(conv, o, h(4))
				if got := conv.s.Summary.LastInitiatedAt; !got.Equal(c.want[i]) {
					t.Fatalf("after %s of %s: LastInitiatedAt %v, want %v", o.Status, o.MessageID, got, c.want[i])
				}
			}
		})
	}
	// Taken back to the last template before them all, then to none.
	conv := newTestConversation()
	conv.addOutbound(Message{ID: "only", Type: "template", Timestamp: h(1)}, h(1))
	if resultApplied(conv, canceled("only"), h(2)); !conv.s.Summary.LastInitiatedAt.IsZero() || len(conv.s.Initiated) != 0 {
		t.Fatalf("after the only template was canceled: LastInitiatedAt %v, marks %v", conv.s.Summary.LastInitiatedAt, conv.s.Initiated)
	}
}

// Regression: a conversation stored before line keys under the other form of a Brazilian
// mobile reports its business-initiated template under that id, while the sender admits the
// template under the send's id (the line key): the customer counted twice against the
// messaging limit for a day. The report is taken under the id a send uses (indexKey).
func TestAConversationStoredUnderTheOtherFormCountsOnce(t *testing.T) {
	const tenant, legacy, line = "0123456789abcdef01234567", "551187650005", "5511987650005"
	state := newTenantState()
	s := newSender(&Deps{}, tenant, &state, nil)
	at := time.Now().UTC()
	if _, ok := s.initiated.admit(ConversationID(tenant, line), at, at, 0); !ok {
		t.Fatal("not admitted without a limit")
	}
	sum := ConversationSummary{ID: ConversationID(tenant, legacy), TenantID: tenant, LastInitiatedAt: at}
	s.noteInitiated(indexKey(sum.ID), sum) // as the tenant grain passes it
	if n := s.initiated.count(at); n != 1 {
		t.Fatalf("one customer counted %d times", n)
	}
}
