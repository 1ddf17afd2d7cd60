package actors

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// marketingTenant is a tenant whose template promo (en_US) is an approved MARKETING one.
func (r *senderRig) marketingTenant(t *testing.T) string {
	t.Helper()
	tenant := r.newTenant(t)
	ev := TenantEvent{Field: "message_template_status_update", Time: time.Now(),
		Template: &TemplateUpdate{ID: 7, Name: "promo", Language: "en_US", Status: TemplateApproved, Category: TemplateMarketing}}
	if err := r.client.RecordTenantEvents(t.Context(), tenant, []TenantEvent{ev}); err != nil {
		t.Fatal(err)
	}
	return tenant
}

// marketingTenantIDs is a marketingTenant and the message ids of its test: prefix, a name,
// the tenant.
func (r *senderRig) marketingTenantIDs(t *testing.T, prefix string) (string, func(string) string) {
	t.Helper()
	tenant := r.marketingTenant(t)
	return tenant, func(name string) string { return prefix + name + "-" + tenant }
}

// templateRefusals are Meta's codes for a template paused or disabled for low quality, and
// the status each gives the tenant's copy of it.
var templateRefusals = []struct {
	code   int
	status string
}{{metaTemplatePaused, templatePaused}, {metaTemplateDisabled, templateDisabled}}

// refusedBeforeMeta sends first to customer to, answered fail by Meta once second is queued
// behind it (the same customer's lane), and returns once second settled.
func (r *senderRig) refusedBeforeMeta(t *testing.T, tenant, first, second, to string, fail *SendFailure) persistence.OutboxMessage {
	t.Helper()
	release := make(chan struct{})
	r.graph.answer(first, func(int) (string, error) { <-release; return "", fail })
	if _, err := r.queueTo(t, tenant, first, to, true); err != nil {
		t.Fatal(err)
	}
	if _, err := r.queueTo(t, tenant, second, to, true); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitFor(t, "the first refused", func() bool { return r.row(t, first).State == persistence.OutboxFailed })
	waitFor(t, "the second settled", func() bool {
		st := r.row(t, second).State
		return st == persistence.OutboxFailed || st == persistence.OutboxSent
	})
	return r.row(t, second)
}

// Meta answers a template send 132015 (the template is paused for low quality): the template
// queued behind it fails with the same code without reaching Meta, and new sends of the
// template are refused at the API (template_not_usable) until Meta reinstates it.
func TestAPausedTemplateStopsTheSendsUsingIt(t *testing.T) {
	r := sharedSender(t)
	for _, c := range templateRefusals {
		tenant, id := r.marketingTenantIDs(t, "tp-")
		row := r.refusedBeforeMeta(t, tenant, id("a"), id("b"), "5511820000001",
			&SendFailure{Class: ClassFailTemplate, Code: c.code, Title: "Template is " + strings.ToLower(c.status)})
		if row.State != persistence.OutboxFailed || row.ErrorCode != c.code {
			t.Fatalf("%d: the template queued behind: %+v", c.code, row)
		}
		if n, _ := r.graph.sends(id("b")); n != 0 {
			t.Fatalf("%d: the template queued behind reached Meta %d times", c.code, n)
		}
		var refused *SendRefusedError
		_, err := r.queueTo(t, tenant, id("c"), "5511820000002", true)
		if !errors.As(err, &refused) || refused.Code != FailureTemplate || !strings.Contains(refused.Reason, c.status) {
			t.Fatalf("%d: a new send of the template: %v", c.code, err)
		}
	}
}

// Meta answers a MARKETING template 131049 (its per-customer marketing cap) or 131050 (the
// customer stopped marketing): another one to that customer, already queued, fails with the
// same code without reaching Meta; a reply still goes.
func TestAMarketingRefusalStopsTheQueuedMarketingToThatCustomer(t *testing.T) {
	r := sharedSender(t)
	for i, fail := range []*SendFailure{
		{Class: ClassFail, Code: MetaMarketingHeld, Title: "This message was not delivered to maintain healthy ecosystem engagement."},
		{Class: ClassFail, Code: MetaMarketingOptOut, Title: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."},
	} {
		tenant, id := r.marketingTenantIDs(t, fmt.Sprint("mr", i, "-"))
		to := fmt.Sprint("551183000000", i)
		row := r.refusedBeforeMeta(t, tenant, id("a"), id("b"), to, fail)
		if row.State != persistence.OutboxFailed || row.ErrorCode != fail.Code {
			t.Fatalf("%d: the marketing template queued behind: %+v", fail.Code, row)
		}
		if n, _ := r.graph.sends(id("b")); n != 0 {
			t.Fatalf("%d: the marketing template queued behind reached Meta %d times", fail.Code, n)
		}
		if _, err := r.queueTo(t, tenant, id("c"), to, false); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a reply to the customer sent", func() bool { return r.row(t, id("c")).State == persistence.OutboxSent })
	}
}

// Meta answers a business-initiated template 131042 (a payment problem): business-initiated
// sends stop for OUTBOUND_PAUSE_FOR — a template queued to another customer waits, a new one
// is refused sending_paused — while replies inside the window, which are not charged, go on.
func TestAPaymentProblemStopsOnlyBusinessInitiatedSends(t *testing.T) {
	r := sharedSender(t)
	tenant, id := r.marketingTenantIDs(t, "pay-")
	r.graph.answer(id("a"), func(int) (string, error) {
		return "", &SendFailure{Class: ClassPauseTenant, Code: 131042, Title: "Business eligibility payment issue"}
	})
	if _, err := r.queueTo(t, tenant, id("a"), "5511840000001", true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Meta refused the template", func() bool { n, _ := r.graph.sends(id("a")); return n == 1 })
	var refused *SendRefusedError
	waitFor(t, "templates refused", func() bool {
		_, err := r.client.PrepareSend(t.Context(), tenant, &TemplateRef{Name: "promo", Language: "en_US"})
		return errors.As(err, &refused) && refused.Code == FailureSendingPaused && strings.Contains(refused.Reason, "131042")
	})
	if _, err := r.client.PrepareSend(t.Context(), tenant, nil); err != nil {
		t.Fatalf("a reply refused after a payment problem: %v", err)
	}
	if _, err := r.queueTo(t, tenant, id("b"), "5511840000002", false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a reply sent", func() bool { return r.row(t, id("b")).State == persistence.OutboxSent })
	if row := r.row(t, id("a")); row.State != persistence.OutboxQueued {
		t.Fatalf("the refused template: %+v", row)
	}
	if n, _ := r.graph.sends(id("a")); n != 1 {
		t.Fatalf("the refused template reached Meta %d times while business-initiated sends are stopped", n)
	}
}

// A queued MARKETING template to a customer Meta holds marketing back from fails at once
// with 131049, unsent, whatever its validity: Meta says another within the day "will only
// result in another error", and one held in its lane would hold the customer's replies and
// utility templates queued behind it for up to a day. The hold is the tenant's copy of the
// conversation or the sender's own fresh 131049 (the copy learns it only after a flush).
// Another category, or a customer not held, goes.
func TestAQueuedMarketingTemplateToAHeldCustomerFailsAtOnce(t *testing.T) {
	now := time.Now().UTC()
	state := newTenantState()
	state.Templates[templateKey("promo", "en_US")] = TemplateState{TemplateUpdate: TemplateUpdate{Name: "promo", Language: "en_US", Status: TemplateApproved, Category: TemplateMarketing}}
	state.Templates[templateKey("code", "en_US")] = TemplateState{TemplateUpdate: TemplateUpdate{Name: "code", Language: "en_US", Status: TemplateApproved, Category: "AUTHENTICATION"}}
	s := newSender(&Deps{Outbound: OutboundPolicy{Validity: 48 * time.Hour}}, "t", &state, nil)
	s.contactOf = func(conv string) Contact {
		if conv == "held" {
			return Contact{MarketingHeldUntil: now.Add(20 * time.Hour)}
		}
		return Contact{}
	}
	s.marketingHeld = map[string]time.Time{"met": now.Add(time.Hour)}
	item := func(conv, template string, validFor time.Duration) *outItem {
		return &outItem{row: persistence.OutboxMessage{ConversationID: conv, State: persistence.OutboxQueued, CreatedAt: now, ExpiresAt: now.Add(validFor),
			Request: fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+1","type":"template","template":{"name":%q,"language":{"code":"en_US"}}}`, template)}}
	}
	for _, c := range []struct {
		name string
		it   *outItem
		code int
	}{
		{"valid past the hold: fails", item("held", "promo", 30*time.Hour), MetaMarketingHeld},
		{"valid until before it ends: fails", item("held", "promo", 10*time.Hour), MetaMarketingHeld},
		{"held by the sender's own 131049: fails", item("met", "promo", 30*time.Hour), MetaMarketingHeld},
		{"not marketing: goes", item("held", "code", 10*time.Hour), 0},
		{"customer not held: goes", item("free", "promo", 10*time.Hour), 0},
	} {
		fail := s.headRefused(c.it, now)
		if code := 0; (fail != nil) != (c.code != 0) || (fail != nil && fail.Code != c.code) {
			if fail != nil {
				code = fail.Code
			}
			t.Errorf("%s: fail %d; want %d", c.name, code, c.code)
		}
	}
	// The API's refusal of a new MARKETING template sees the sender's own 131049 as well.
	q := &QueueOutbound{Template: &TemplateRef{Name: "promo", Language: "en_US"}, Message: persistence.OutboxMessage{ConversationID: "met"}}
	if code, why, wait := s.marketingRefusal(q, now); code != FailureMarketingHeld || why == "" || wait != time.Hour {
		t.Errorf("a new MARKETING template to a customer the sender met 131049 for: %q %q %v", code, why, wait)
	}
}

// A 131049 is kept per conversation: one for a send without a conversation (the API's
// conversation-less sends) holds nothing, rather than marketing to every such send. The
// sender's memory of holds is swept of ended ones as a new one comes, so it stays bounded
// by the holds in force.
func TestMarketingHoldsAreKeptPerConversationAndSwept(t *testing.T) {
	now := time.Now().UTC()
	state := newTenantState()
	s := newSender(&Deps{}, "t", &state, nil)
	s.marketingHeld = map[string]time.Time{"ended": now.Add(-time.Minute), "running": now.Add(time.Hour)}
	s.refusedForAll(&outItem{row: persistence.OutboxMessage{ConversationID: ""}}, MetaMarketingHeld, now)
	if _, held := s.marketingHeld[""]; held {
		t.Fatal("a 131049 without a conversation holds marketing for every conversation-less send")
	}
	s.refusedForAll(&outItem{row: persistence.OutboxMessage{ConversationID: "new"}}, MetaMarketingHeld, now)
	if _, kept := s.marketingHeld["ended"]; kept || len(s.marketingHeld) != 2 {
		t.Fatalf("holds after a new one: %v, want running and new", s.marketingHeld)
	}
}

// The checks a lane runs on each message it hands over read the request's template once per
// message, not at every hand-over (a held lane hands its head over again and again), and
// not at all for a tenant without templates, whose checks cannot refuse one.
func TestHeadChecksParseATemplateOncePerMessage(t *testing.T) {
	now := time.Now().UTC()
	request := []byte(`{"messaging_product":"whatsapp","to":"+1","type":"template","template":{"name":"promo","language":{"code":"en_US"}}}`)
	bare := newTenantState()
	s := newSender(&Deps{}, "t", &bare, nil)
	it := &outItem{row: persistence.OutboxMessage{ConversationID: "c", Request: request}}
	if allocs := testing.AllocsPerRun(50, func() { _ = s.headRefused(it, now) }); allocs != 0 {
		t.Errorf("a tenant without templates decodes a template request at each hand-over: %v allocations", allocs)
	}
	state := newTenantState()
	state.Templates[templateKey("promo", "en_US")] = TemplateState{TemplateUpdate: TemplateUpdate{Name: "promo", Language: "en_US", Status: TemplateApproved, Category: "UTILITY"}}
	s = newSender(&Deps{}, "t", &state, nil)
	if fail := s.headRefused(it, now); fail != nil {
		t.Fatalf("an approved utility template refused: %+v", fail)
	}
	if allocs := testing.AllocsPerRun(50, func() { _ = s.headRefused(it, now) }); allocs != 0 {
		t.Errorf("a message's template request decoded again at each hand-over: %v allocations", allocs)
	}
	if ref, ok := it.template(); !ok || ref.Name != "promo" || ref.Language != "en_US" {
		t.Errorf("the item's template %+v %v", ref, ok)
	}
}

// A queued MARKETING template to a customer who stopped marketing messages since (their
// user_preferences "stop", or Meta's 131050 for another message, as the tenant's copy of the
// conversation shows them) fails at once with 131050, unsent: Meta would refuse it, and
// WhatsApp's policy is not to send marketing to someone who said stop. A newer "resume"
// lifts it; utility and authentication templates and replies still go. The lane's check
// and the API's 422 read the same state.
func TestAQueuedMarketingTemplateToAnOptedOutCustomerFailsAtOnce(t *testing.T) {
	now := time.Now().UTC()
	state := newTenantState()
	state.Templates[templateKey("promo", "en_US")] = TemplateState{TemplateUpdate: TemplateUpdate{Name: "promo", Language: "en_US", Status: TemplateApproved, Category: TemplateMarketing}}
	state.Templates[templateKey("code", "en_US")] = TemplateState{TemplateUpdate: TemplateUpdate{Name: "code", Language: "en_US", Status: TemplateApproved, Category: "AUTHENTICATION"}}
	state.Templates[templateKey("bill", "en_US")] = TemplateState{TemplateUpdate: TemplateUpdate{Name: "bill", Language: "en_US", Status: TemplateApproved, Category: "UTILITY"}}
	s := newSender(&Deps{}, "t", &state, nil)
	stopped := now.Add(-time.Hour)
	contacts := map[string]Contact{
		"stopped":      {MarketingOptOut: true, MarketingPreferenceAt: stopped},
		"stopped+held": {MarketingOptOut: true, MarketingPreferenceAt: stopped, MarketingHeldUntil: now.Add(time.Hour)},
	}
	s.contactOf = func(conv string) Contact { return contacts[conv] }
	item := func(conv, request string) *outItem {
		return &outItem{row: persistence.OutboxMessage{ConversationID: conv, State: persistence.OutboxQueued, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
			Request: []byte(request)}}
	}
	template := func(conv, name string) *outItem {
		return item(conv, fmt.Sprintf(`{"messaging_product":"whatsapp","to":"+1","type":"template","template":{"name":%q,"language":{"code":"en_US"}}}`, name))
	}
	check := func(name string, it *outItem, want int) {
		t.Helper()
		fail := s.headRefused(it, now)
		got := 0
		if fail != nil {
			got = fail.Code
			if fail.Title == "" || !strings.Contains(fail.Details, "not sent") {
				t.Errorf("%s: a refusal without a clear title and details: %+v", name, fail)
			}
		}
		if got != want {
			t.Errorf("%s: fail %d; want %d", name, got, want)
		}
	}
	check("marketing to a customer who stopped: fails", template("stopped", "promo"), MetaMarketingOptOut)
	check("stopped and held too: the stop wins", template("stopped+held", "promo"), MetaMarketingOptOut)
	check("authentication to them: goes", template("stopped", "code"), 0)
	check("utility to them: goes", template("stopped", "bill"), 0)
	check("a reply to them: goes", item("stopped", `{"messaging_product":"whatsapp","to":"+1","type":"text","text":{"body":"hi"}}`), 0)
	check("marketing to a customer who did not stop: goes", template("other", "promo"), 0)
	q := &QueueOutbound{Template: &TemplateRef{Name: "promo", Language: "en_US"}, Message: persistence.OutboxMessage{ConversationID: "stopped"}}
	if code, _, _ := s.marketingRefusal(q, now); code != FailureMarketingOptOut {
		t.Errorf("the API's refusal of a new MARKETING template to them: %q", code)
	}
	// A newer "resume" in the copy lifts both.
	contacts["stopped"] = Contact{MarketingOptOut: false, MarketingPreferenceAt: now}
	check("marketing after they resumed: goes", template("stopped", "promo"), 0)
	if code, _, _ := s.marketingRefusal(q, now); code != "" {
		t.Errorf("the API's refusal after they resumed: %q", code)
	}
}

// A message the sender fails unsent with Meta's marketing codes (its lane's check above)
// teaches the conversation nothing of the customer: Meta said nothing. Before, each one was
// taken for Meta's refusal at the time it failed: a queued template failed during a 131049
// hold pushed the hold a day past it (and the next one further), and one failed for an
// opt-out recorded a "stop" as of then, so a "resume" the customer sent before then but
// Meta delivered after was ignored, and their marketing refused for good.
func TestAnUnsentMarketingFailureTeachesTheConversationNothing(t *testing.T) {
	fail := func(c *conversation, id string, code int, at time.Time) {
		t.Helper()
		c.addOutbound(Message{ID: id, Type: "template", Timestamp: t0}, t0)
		resultApplied(c, unsentResult(persistence.OutboxMessage{ID: id}, &MessageError{Code: code, Title: "t"}, at), at)
		if v := statusOf(t, c, id); v.Status != StatusFailed {
			t.Fatalf("%s: %+v, want failed", id, v)
		}
	}
	c := newTestConversation()
	c.addOutbound(Message{ID: "sent", Type: "template", Timestamp: t0}, t0)
	resultApplied(c, &OutboundResult{MessageID: "sent", Status: StatusFailed, Error: &MessageError{Code: MetaMarketingHeld}, At: t0}, t0)
	held := c.s.Summary.Contact.MarketingHeldUntil
	if !held.Equal(t0.Add(MarketingHold)) {
		t.Fatalf("Meta's 131049 held marketing until %v", held)
	}
	fail(c, "queued", MetaMarketingHeld, t0.Add(5*time.Hour))
	if got := c.s.Summary.Contact.MarketingHeldUntil; !got.Equal(held) {
		t.Fatalf("a template failed unsent during the hold moved it from %v to %v", held, got)
	}

	c = newTestConversation()
	pref := func(value string, at time.Time) {
		t.Helper()
		if _, err := c.deliver(&Deliver{Contact: Contact{WaID: "5511987654321"}, Preferences: []PreferenceUpdate{{Category: "marketing_messages", Value: value, Timestamp: at}}}, at); err != nil {
			t.Fatal(err)
		}
	}
	pref("stop", t0)
	fail(c, "queued", MetaMarketingOptOut, t0.Add(3*time.Hour))
	pref("resume", t0.Add(2*time.Hour)) // sent before the template failed, delivered after
	if c.s.Summary.Contact.MarketingOptOut {
		t.Fatal("a resume older than a template failed unsent, but newer than the stop, was ignored")
	}
}

// Meta answers a MARKETING template 131050: another one to that customer, queued behind it,
// fails with 131050 unsent though the tenant's copy of the conversation learns the stop only
// after the conversation's flush (as a 131049 does), and the API refuses a new one
// meanwhile. Once the copy shows the stop, or a newer "resume", the copy alone decides.
func TestASendersOwn131050StopsTheQueuedMarketingBeforeTheCopyLearnsIt(t *testing.T) {
	now := time.Now().UTC()
	state := newTenantState()
	state.Templates[templateKey("promo", "en_US")] = TemplateState{TemplateUpdate: TemplateUpdate{Name: "promo", Language: "en_US", Status: TemplateApproved, Category: TemplateMarketing}}
	s := newSender(&Deps{}, "t", &state, nil)
	copyOf := map[string]Contact{}
	s.contactOf = func(conv string) Contact { return copyOf[conv] }
	promo := func(conv string) *outItem {
		return &outItem{row: persistence.OutboxMessage{ConversationID: conv, State: persistence.OutboxQueued, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
			Request: []byte(`{"messaging_product":"whatsapp","to":"+1","type":"template","template":{"name":"promo","language":{"code":"en_US"}}}`)}}
	}
	code := func(it *outItem) int {
		if fail := s.headRefused(it, now); fail != nil {
			return fail.Code
		}
		return 0
	}
	s.refusedForAll(&outItem{row: persistence.OutboxMessage{}}, MetaMarketingOptOut, now)
	s.refusedForAll(&outItem{row: persistence.OutboxMessage{ConversationID: "c"}}, MetaMarketingOptOut, now)
	if got := code(promo("c")); got != MetaMarketingOptOut {
		t.Fatalf("the marketing template queued behind a 131050: fail %d, want 131050", got)
	}
	if got := code(promo("")); got != 0 {
		t.Fatalf("a 131050 without a conversation stopped marketing to every conversation-less send: fail %d", got)
	}
	q := &QueueOutbound{Template: &TemplateRef{Name: "promo", Language: "en_US"}, Message: persistence.OutboxMessage{ConversationID: "c"}}
	if c, _, _ := s.marketingRefusal(q, now); c != FailureMarketingOptOut {
		t.Fatalf("a new MARKETING template after a 131050: %q", c)
	}
	copyOf["c"] = Contact{MarketingOptOut: false, MarketingPreferenceAt: now.Add(time.Second)} // a newer resume
	if got := code(promo("c")); got != 0 {
		t.Fatalf("marketing after a newer resume: fail %d", got)
	}
	if len(s.marketingStopped) != 0 {
		t.Fatalf("the sender still remembers stops the copy superseded: %v", s.marketingStopped)
	}
}
