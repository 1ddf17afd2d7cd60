package fakemeta

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/transport/graph"
)

// Status webhooks arrive signed with the app secret (the sink verifies each with
// graph.NewVerifier and parses it with graph.ParseWebhook), in order, echoing
// biz_opaque_callback_data, with pricing on sent and delivered only.
func TestStatusWebhooks(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, Statuses: StatusConfig{SentDelay: time.Millisecond, DeliveredDelay: 5 * time.Millisecond, ReadDelay: 10 * time.Millisecond}})
	fixtureTemplates(s, wabaA)
	c := clientFor(t, s)
	r, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessage(user).WithTemplate(loginCode("482913")).WithCallbackData("tenant=acme;outbox=7"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "three statuses", func() bool { return len(sk.statusesOf(r.WAMID())) == 3 })
	statuses, _, bad := sk.snapshot()
	if len(bad) > 0 {
		t.Fatalf("sink rejected: %v", bad)
	}
	want := []string{graph.StatusSent, graph.StatusDelivered, graph.StatusRead}
	for i, st := range statuses {
		if st.Status != want[i] || st.ID != r.WAMID() || st.RecipientID != userWaID || st.BizOpaqueCallbackData != "tenant=acme;outbox=7" || st.Timestamp == 0 {
			t.Fatalf("status %d: %+v", i, st)
		}
		if st.Conversation != nil {
			t.Fatal("v24 payloads carry no conversation")
		}
		priced := st.Pricing != nil
		if priced != (st.Status != graph.StatusRead) {
			t.Fatalf("%s priced=%v", st.Status, priced)
		}
		if priced && (st.Pricing.PricingModel != "PMP" || st.Pricing.Category != "authentication" || st.Pricing.Type != "regular" || !st.Pricing.Billable) {
			t.Fatalf("%+v", st.Pricing)
		}
	}
	sk.mu.Lock()
	meta, entry := sk.metadata[0], sk.entryIDs[0]
	sk.mu.Unlock()
	if meta.PhoneNumberID != pnA || meta.DisplayPhoneNumber != displayA || entry != wabaA {
		t.Fatalf("%+v %s", meta, entry)
	}
	// The sink records a status before it answers; the sender counts a delivery once the
	// answer is back, so the third count may trail the third status by a moment.
	eventually(t, "three deliveries counted", func() bool { return s.Stats().Webhooks.Delivered == 3 })
	if w := s.Stats().Webhooks; w.Delivered != 3 || w.Dropped != 0 {
		t.Fatalf("%+v", w)
	}
}

func TestStatusesToBSUIDAndFreeService(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, Statuses: StatusConfig{SkipDelivered: true}})
	s.OpenWindow(pnA, "BR.48120937561230984412")
	r, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, graph.NewMessageToUser("BR.48120937561230984412").WithText("oi"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Contacts[0].UserID != "BR.48120937561230984412" || r.Contacts[0].WaID != "" {
		t.Fatalf("%+v", r.Contacts)
	}
	eventually(t, "sent and read", func() bool { return len(sk.statusesOf(r.WAMID())) == 2 })
	statuses, _, _ := sk.snapshot()
	for _, st := range statuses {
		if st.RecipientUserID != "BR.48120937561230984412" || st.RecipientID != "" {
			t.Fatalf("%+v", st)
		}
		// Without delivered, read carries the second pricing.
		if st.Pricing == nil || st.Pricing.Type != "free_customer_service" || st.Pricing.Category != "service" || st.Pricing.Billable {
			t.Fatalf("%s: %+v", st.Status, st.Pricing)
		}
	}
}

// Statuses carry the 2026 contacts block except failed (WHATSAPP.md §1.5): a BSUID send's
// contacts[{profile{name}, user_id}], no wa_id; a phone send's contacts[{profile{name},
// wa_id, user_id}] and recipient_user_id, the user id UserIDOf the wa_id. NoContacts keeps
// phone sends in the shape every status fixture shows.
func TestStatusContacts(t *testing.T) {
	const bsuid = "BR.48120937561230984412"
	for _, noContacts := range []bool{false, true} {
		t.Run(fmt.Sprint("NoContacts=", noContacts), func(t *testing.T) {
			sk := startSink(t)
			s := startFake(t, Config{CallbackURL: sk.url, Statuses: StatusConfig{NoContacts: noContacts}})
			c := clientFor(t, s)
			if _, err := s.SendInbound(bg(), pnA, bsuid, "Ana S.", "oi"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SendInbound(bg(), pnA, userWaID, "Ana", "oi"); err != nil {
				t.Fatal(err)
			}
			toUser, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessageToUser(bsuid).WithText("oi"))
			if err != nil {
				t.Fatal(err)
			}
			toPhone, err := c.SendMessage(bg(), tokenA, pnA, text(user, "oi"))
			if err != nil {
				t.Fatal(err)
			}
			s.FailNextAsync(pnA, 131050, 1)
			failed, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessageToUser(bsuid).WithText("promo"))
			if err != nil {
				t.Fatal(err)
			}
			s.FailNextAsync(pnA, 131026, 1)
			failedPhone, err := c.SendMessage(bg(), tokenA, pnA, text(user, "lost"))
			if err != nil {
				t.Fatal(err)
			}
			eventually(t, "eight statuses", func() bool {
				return len(sk.statusesOf(toUser.WAMID()))+len(sk.statusesOf(toPhone.WAMID()))+
					len(sk.statusesOf(failed.WAMID()))+len(sk.statusesOf(failedPhone.WAMID())) == 8
			})
			phoneUser := UserIDOf(wabaA, userWaID)
			for _, body := range sk.rawBodies() {
				w, err := graph.ParseWebhook(body)
				if err != nil {
					t.Fatal(err)
				}
				v, _ := w.Entry[0].Changes[0].MessagesValue()
				if len(v.Statuses) == 0 {
					continue // the inbound messages
				}
				st := v.Statuses[0]
				switch {
				case st.ID == toUser.WAMID():
					if len(v.Contacts) != 1 || v.Contacts[0] != (graph.Contact{Profile: graph.Profile{Name: "Ana S."}, UserID: bsuid}) {
						t.Errorf("%s to a BSUID: contacts %+v", st.Status, v.Contacts)
					}
					if bytes.Contains(body, []byte(`"wa_id"`)) {
						t.Errorf("%s to a BSUID names a wa_id: %s", st.Status, body)
					}
				case st.ID == toPhone.WAMID() && !noContacts:
					want := graph.Contact{Profile: graph.Profile{Name: "Ana"}, WaID: userWaID, UserID: phoneUser}
					if len(v.Contacts) != 1 || v.Contacts[0] != want || st.RecipientID != userWaID || st.RecipientUserID != phoneUser {
						t.Errorf("%s to a phone: %+v, contacts %+v", st.Status, st, v.Contacts)
					}
				case st.ID == failed.WAMID() && st.Status != graph.StatusFailed:
					t.Errorf("%s for a failed send", st.Status)
				case st.ID == failedPhone.WAMID() && st.RecipientUserID != map[bool]string{false: phoneUser, true: ""}[noContacts]:
					t.Errorf("failed to a phone: %+v", st)
				case st.ID == toPhone.WAMID() && noContacts && (st.RecipientUserID != "" || bytes.Contains(body, []byte(`"contacts"`))):
					t.Errorf("NoContacts: %s", body)
				case st.Status == graph.StatusFailed && len(v.Contacts) != 0:
					t.Errorf("%s of %s: contacts %+v", st.Status, st.ID, v.Contacts)
				}
			}
		})
	}
}

// UserIDOf looks like Meta's BSUIDs, is stable, is the same for both forms of a Brazilian
// mobile (one user), and differs between WABAs (Meta's are per business portfolio).
func TestUserIDOf(t *testing.T) {
	id := UserIDOf(wabaA, "5511987654321")
	if len(id) != 23 || id[:3] != "BR." || id != UserIDOf(wabaA, "+55 11 98765-4321") || id != UserIDOf(wabaA, "551187654321") {
		t.Fatalf("%q", id)
	}
	if id == UserIDOf(wabaB, "5511987654321") || id == UserIDOf(wabaA, "5511987654322") || UserIDOf(wabaA, "") != "" {
		t.Fatal("one id per user and WABA")
	}
	if got := UserIDOf(wabaA, displayA); got[:3] != "US." {
		t.Fatal(got)
	}
}

func TestDuplicatesAndReordering(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true, Statuses: StatusConfig{DuplicateRate: 1, ReorderRate: 1}})
	r, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(user, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "six deliveries", func() bool { return len(sk.statusesOf(r.WAMID())) == 6 })
	// The originals arrive reversed; each duplicate some time after its original.
	var originals []string
	seen := map[string]bool{}
	for _, st := range sk.statusesOf(r.WAMID()) {
		if !seen[st] {
			originals = append(originals, st)
		}
		seen[st] = true
	}
	if got := fmt.Sprint(originals); got != "[read delivered sent]" || len(seen) != 3 {
		t.Fatalf("arrival order %s of %v", got, sk.statusesOf(r.WAMID()))
	}
	// Pricing still belongs to sent and delivered, whatever the order.
	statuses, _, _ := sk.snapshot()
	for _, st := range statuses {
		if (st.Pricing != nil) != (st.Status != graph.StatusRead) {
			t.Fatalf("%+v", st)
		}
	}
}

// Reordered statuses keep the moments they happened, whatever order they arrive in: read
// comes first but with the latest timestamp, as in
// fixtures/webhooks/sequence_out_of_order_and_duplicate.json.
func TestReorderedStatusesKeepTheirTimestamps(t *testing.T) {
	sk := startSink(t)
	clock := newFakeClock()
	clock.Advance(999 * time.Millisecond) // the millisecond delays below cross into the next second
	sentAt := clock.Now()
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true, Clock: clock.Now, Statuses: StatusConfig{
		DeliveredDelay: time.Millisecond, ReadDelay: 2 * time.Millisecond, ReorderRate: 1}})
	r, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(user, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "three statuses", func() bool { return len(sk.statusesOf(r.WAMID())) == 3 })
	if got := fmt.Sprint(sk.statusesOf(r.WAMID())); got != "[read delivered sent]" {
		t.Fatalf("arrival order %s", got)
	}
	happened := map[string]time.Time{
		graph.StatusSent:      sentAt,
		graph.StatusDelivered: sentAt.Add(time.Millisecond),
		graph.StatusRead:      sentAt.Add(2 * time.Millisecond),
	}
	statuses, _, _ := sk.snapshot()
	for _, st := range statuses {
		if want := happened[st.Status].Unix(); int64(st.Timestamp) != want {
			t.Errorf("%s stamped %d, happened at %d", st.Status, st.Timestamp, want)
		}
	}
	if statuses[0].Timestamp <= statuses[2].Timestamp {
		t.Errorf("read (first to arrive) %d is not later than sent %d", statuses[0].Timestamp, statuses[2].Timestamp)
	}
}

// Each status is delivered and retried on its own: a sent whose first POST fails is
// retried after its backoff, by which time delivered and read have landed (Meta's retried
// sent can arrive after read, WHATSAPP.md §1.3).
func TestRetriedStatusDoesNotHoldBackLaterOnes(t *testing.T) {
	sk := startSink(t)
	sk.failFirst = 1 // the first POST is sent's
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true, Webhooks: WebhookConfig{Backoff: 300 * time.Millisecond, Attempts: 3}})
	r, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(user, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "three statuses", func() bool { return len(sk.statusesOf(r.WAMID())) == 3 })
	if got := fmt.Sprint(sk.statusesOf(r.WAMID())); got != "[delivered read sent]" {
		t.Fatalf("arrival order %s", got)
	}
	eventually(t, "three deliveries counted", func() bool { return s.Stats().Webhooks.Delivered == 3 })
	if w := s.Stats().Webhooks; w.Attempts != 4 || w.Dropped != 0 {
		t.Fatalf("%+v", w)
	}
}

// However many messages have statuses pending, their delivery runs on a fixed number of
// goroutines (1 + WebhookConfig.Concurrency), not one per message or status.
func TestPendingStatusesUseBoundedGoroutines(t *testing.T) {
	const sends, concurrency = 5000, 8
	s := startFake(t, Config{CallbackURL: "http://127.0.0.1:1/unused", Webhooks: WebhookConfig{Concurrency: concurrency},
		Statuses: StatusConfig{SentDelay: time.Hour, DeliveredDelay: time.Hour, ReadDelay: time.Hour}})
	at := where{wabaID: wabaA, phoneNumberID: pnA, display: displayA}
	schedule := func(i int) {
		s.scheduleStatuses(statusPlan{at: at, wamid: fmt.Sprintf("wamid.%d", i), recipientID: userWaID})
	}
	before := runtime.NumGoroutine()
	schedule(0)
	started := runtime.NumGoroutine() - before
	for i := 1; i < sends; i++ {
		schedule(i)
	}
	// Two spare for fasthttp's own comings and goings (its server starts a worker-pool
	// cleaner once it serves).
	if grown := runtime.NumGoroutine() - before; started > 1+concurrency+2 || grown > started+2 {
		t.Fatalf("%d goroutines for one message's pending statuses, %d for %d messages'", started, grown, sends)
	}
}

func TestWebhookRetries(t *testing.T) {
	sk := startSink(t)
	sk.failFirst = 2
	s := startFake(t, Config{CallbackURL: sk.url, Webhooks: WebhookConfig{Backoff: time.Millisecond, Attempts: 3}})
	wamid, err := s.SendInbound(bg(), pnA, userWaID, "Ana", "oi")
	if err != nil {
		t.Fatal(err)
	}
	_, msgs, _ := sk.snapshot()
	if len(msgs) != 1 || msgs[0].ID != wamid {
		t.Fatalf("%+v", msgs)
	}
	if w := s.Stats().Webhooks; w.Attempts != 3 || w.Delivered != 1 || w.Dropped != 0 {
		t.Fatalf("%+v", w)
	}

	// A receiver that keeps failing: bounded attempts, then dropped.
	sk.mu.Lock()
	sk.failFirst = 100
	sk.mu.Unlock()
	if _, err := s.SendInbound(bg(), pnA, userWaID, "Ana", "again"); err == nil {
		t.Fatal("want an error after the attempts ran out")
	}
	if w := s.Stats().Webhooks; w.Attempts != 6 || w.Dropped != 1 {
		t.Fatalf("%+v", w)
	}
}

// POST /{waba_id}/subscribed_apps with an override sends that WABA's webhooks elsewhere.
func TestCallbackOverride(t *testing.T) {
	appSink, tenantSink := startSink(t), startSink(t)
	s := startFake(t, Config{CallbackURL: appSink.url})
	c := clientFor(t, s)
	if err := c.SubscribeApp(bg(), tokenA, wabaA, &graph.SubscribedAppsOverride{OverrideCallbackURI: tenantSink.url, VerifyToken: sinkVerifyToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendInbound(bg(), pnA, userWaID, "Ana", "to the override"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendInbound(bg(), pnB, userWaID, "Ana", "to the app"); err != nil {
		t.Fatal(err)
	}
	_, a, _ := appSink.snapshot()
	_, b, _ := tenantSink.snapshot()
	if len(a) != 1 || a[0].Text.Body != "to the app" || len(b) != 1 || b[0].Text.Body != "to the override" {
		t.Fatalf("app %+v tenant %+v", a, b)
	}
	apps, err := c.SubscribedApps(bg(), tokenA, wabaA)
	if err != nil || len(apps.Data) != 1 || apps.Data[0].OverrideCallbackURI != tenantSink.url {
		t.Fatalf("%+v %v", apps, err)
	}
}

// Setting an override makes Meta verify it (WHATSAPP.md §1.1, §1.3): the callback must echo
// hub.challenge with 200, else the POST fails with (#2200) and routing stays as it was;
// a verified override shows in GET /{phone_number_id}?fields=webhook_configuration.
func TestOverrideVerification(t *testing.T) {
	cases := []struct {
		name, verifyToken  string
		quote, unreachable bool
		code               int // 0: accepted
	}{
		{name: "challenge echoed", verifyToken: sinkVerifyToken},
		{name: "wrong verify token: 403", verifyToken: "not-the-token", code: 2200},
		{name: "challenge echoed as JSON", verifyToken: sinkVerifyToken, quote: true, code: 2200},
		{name: "unreachable callback", verifyToken: sinkVerifyToken, unreachable: true, code: 2200},
		{name: "no verify token", code: 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sk := startSink(t)
			sk.mu.Lock()
			sk.quoteChallenge = tc.quote
			sk.mu.Unlock()
			callback := sk.url
			if tc.unreachable {
				callback = "http://127.0.0.1:1/hook"
			}
			s := startFake(t, Config{CallbackURL: "http://127.0.0.1:1/app"})
			err := clientFor(t, s).SubscribeApp(bg(), tokenA, wabaA, &graph.SubscribedAppsOverride{OverrideCallbackURI: callback, VerifyToken: tc.verifyToken})
			_, body := raw(t, "GET", s.URL()+"/v24.0/"+pnA+"?fields=webhook_configuration", tokenA, nil)
			var got struct {
				WebhookConfiguration graph.WebhookConfiguration `json:"webhook_configuration"`
			}
			if e := json.Unmarshal(body, &got); e != nil {
				t.Fatal(e)
			}
			if tc.code == 0 {
				if err != nil || got.WebhookConfiguration.WABA != callback || got.WebhookConfiguration.Application != "http://127.0.0.1:1/app" {
					t.Fatalf("err %v, webhook_configuration %+v", err, got.WebhookConfiguration)
				}
				return
			}
			if err == nil || asAPIError(t, err).Code != tc.code || got.WebhookConfiguration.WABA != "" {
				t.Fatalf("err %v (want code %d), webhook_configuration %+v", err, tc.code, got.WebhookConfiguration)
			}
		})
	}
}

func TestNoCallbackDrops(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true})
	if _, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(user, "hi")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "three drops", func() bool { return s.Stats().Webhooks.Dropped == 3 })
}

// Status webhooks the server gives up on at Close are all counted as dropped
// (WebhookStats: "closed"): those never attempted, those waiting for a retry, and the
// follow-ons chained behind them.
func TestCloseCountsAbandonedStatuses(t *testing.T) {
	cases := []struct {
		name     string
		statuses StatusConfig
		failing  bool // the callback answers 500: sent waits for its retry
	}{
		{"never attempted", StatusConfig{SentDelay: time.Hour, DeliveredDelay: time.Hour, ReadDelay: time.Hour}, false},
		{"a retry pending, follow-ons behind it", StatusConfig{DeliveredDelay: time.Hour, ReadDelay: time.Hour}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sk := startSink(t)
			sk.mu.Lock()
			if tc.failing {
				sk.failFirst = 1000
			}
			sk.mu.Unlock()
			s := New(Config{AppSecret: secret, CallbackURL: sk.url, IgnoreWindow: true, Statuses: tc.statuses,
				Webhooks: WebhookConfig{Backoff: time.Hour, MaxBackoff: time.Hour}})
			s.AddNumber(pnA, wabaA, displayA, tokenA)
			if err := s.Start(""); err != nil {
				t.Fatal(err)
			}
			if _, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(user, "hi")); err != nil {
				t.Fatal(err)
			}
			if tc.failing {
				eventually(t, "the first attempt", func() bool { return s.Stats().Webhooks.Attempts == 1 })
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if w := s.Stats().Webhooks; w.Delivered != 0 || w.Dropped != 3 {
				t.Fatalf("3 statuses abandoned at Close: %+v", w)
			}
		})
	}
}

// With a BatchWindow, the statuses of a WABA coming due within it ride in one POST: several
// messages', and several statuses of one message, in one change's value (WHATSAPP.md §1.3);
// another WABA's go in their own POST. Every body still verifies and parses.
func TestStatusBatches(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true, Statuses: StatusConfig{
		SentDelay: time.Millisecond, DeliveredDelay: 2 * time.Millisecond, ReadDelay: 3 * time.Millisecond, BatchWindow: 300 * time.Millisecond}})
	c := clientFor(t, s)
	var wamids []string
	for _, to := range []string{user, "+5511987650000"} {
		r, err := c.SendMessage(bg(), tokenA, pnA, text(to, "hi"))
		if err != nil {
			t.Fatal(err)
		}
		wamids = append(wamids, r.WAMID())
	}
	rb, err := c.SendMessage(bg(), tokenB, pnB, text("+447911123456", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "nine statuses", func() bool {
		n := len(sk.statusesOf(rb.WAMID()))
		for _, id := range wamids {
			n += len(sk.statusesOf(id))
		}
		return n == 9
	})
	_, _, bad := sk.snapshot()
	bodies := sk.rawBodies()
	if len(bad) > 0 || len(bodies) != 2 {
		t.Fatalf("%d POSTs for two WABAs, rejected %v", len(bodies), bad)
	}
	for _, body := range bodies {
		w, _ := graph.ParseWebhook(body)
		if len(w.Entry) != 1 || len(w.Entry[0].Changes) != 1 {
			t.Fatalf("one entry, one change per number: %s", body)
		}
		v, _ := w.Entry[0].Changes[0].MessagesValue()
		want, pn := 6, pnA
		if w.Entry[0].ID == wabaB {
			want, pn = 3, pnB
		}
		if len(v.Statuses) != want || v.Metadata.PhoneNumberID != pn || len(v.Contacts) != want/3 {
			t.Fatalf("%d statuses, %d contacts: %s", len(v.Statuses), len(v.Contacts), body)
		}
	}
	if got := fmt.Sprint(sk.statusesOf(wamids[0])); got != "[sent delivered read]" {
		t.Fatalf("one message's statuses in one value, in order: %s", got)
	}
	// Counted once its answer is back, which may be after the sink has the body.
	eventually(t, "two attempts counted", func() bool { return s.Stats().Webhooks.Attempts == 2 })
	if w := s.Stats().Webhooks; w.Attempts != 2 || w.Delivered != 2 {
		t.Fatalf("%+v", w)
	}
}

// SplitEntries spreads a batch over entries, one per message, all of the WABA.
func TestStatusBatchesSplitEntries(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true, Statuses: StatusConfig{
		SkipRead: true, BatchWindow: 200 * time.Millisecond, SplitEntries: true}})
	c := clientFor(t, s)
	for _, to := range []string{user, "+5511987650000", "+5511987650001"} {
		if _, err := c.SendMessage(bg(), tokenA, pnA, text(to, "hi")); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "six statuses", func() bool { st, _, _ := sk.snapshot(); return len(st) == 6 })
	bodies := sk.rawBodies()
	if len(bodies) != 1 {
		t.Fatalf("%d POSTs", len(bodies))
	}
	w, _ := graph.ParseWebhook(bodies[0])
	if len(w.Entry) != 3 {
		t.Fatalf("%s", bodies[0])
	}
	for _, e := range w.Entry {
		v, _ := e.Changes[0].MessagesValue()
		if e.ID != wabaA || len(e.Changes) != 1 || len(v.Statuses) != 2 || v.Statuses[0].ID != v.Statuses[1].ID {
			t.Fatalf("%s", bodies[0])
		}
	}
}

// A batch that is still open when the server closes is one webhook dropped.
func TestCloseCountsAnOpenBatch(t *testing.T) {
	s := New(Config{AppSecret: secret, CallbackURL: "http://127.0.0.1:1/unused", IgnoreWindow: true,
		Statuses: StatusConfig{BatchWindow: time.Hour}})
	s.AddNumber(pnA, wabaA, displayA, tokenA)
	if err := s.Start(""); err != nil {
		t.Fatal(err)
	}
	if _, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text(user, "hi")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the statuses in a batch", func() bool {
		d := s.statusPosts
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.queue) == 1 && d.queue[0].closes != nil // all three taken, their batch's end to come
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if w := s.Stats().Webhooks; w.Dropped != 1 || w.Attempts != 0 {
		t.Fatalf("%+v", w)
	}
}

// A duplicate is posted after a random extra delay, not back to back with its original: it
// often lands after the message's later statuses, as Meta's retried deliveries do.
func TestDuplicatesComeLate(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true, Statuses: StatusConfig{
		DeliveredDelay: time.Millisecond, ReadDelay: 2 * time.Millisecond, DuplicateRate: 1, DuplicateDelay: 300 * time.Millisecond}})
	c := clientFor(t, s)
	var wamids []string
	for _, to := range []string{user, "+5511987650000", "+5511987650001"} {
		r, err := c.SendMessage(bg(), tokenA, pnA, text(to, "hi"))
		if err != nil {
			t.Fatal(err)
		}
		wamids = append(wamids, r.WAMID())
	}
	eventually(t, "eighteen statuses", func() bool { st, _, _ := sk.snapshot(); return len(st) == 18 })
	// A duplicate of sent or delivered after the message's first read: its lag (up to
	// 300 ms) beat the 2 ms to read. (Judging by the last status was a coin toss: the read's
	// own duplicate comes late too, and all three could end on it, 1 run in ~27.)
	late := 0
	for _, id := range wamids {
		got := sk.statusesOf(id)
		read := slices.Index(got, graph.StatusRead)
		if read >= 0 && slices.ContainsFunc(got[read+1:], func(st string) bool { return st != graph.StatusRead }) {
			late++
		}
	}
	if late == 0 {
		t.Fatalf("every duplicate came before its message's read: %v %v %v",
			sk.statusesOf(wamids[0]), sk.statusesOf(wamids[1]), sk.statusesOf(wamids[2]))
	}
}

// LegacySignature adds X-Hub-Signature: sha1=HMAC-SHA1(body) next to the -256 header (which
// the sink verifies), as Graph webhooks may carry; without it the header is absent.
func TestLegacySignatureHeader(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		sk := startSink(t)
		s := startFake(t, Config{CallbackURL: sk.url, Webhooks: WebhookConfig{LegacySignature: legacy}})
		if _, err := s.SendInbound(bg(), pnA, userWaID, "Ana", "olá 👋"); err != nil {
			t.Fatal(err)
		}
		sk.mu.Lock()
		body, header := sk.bodies[0], sk.legacy[0]
		sk.mu.Unlock()
		mac := hmac.New(sha1.New, []byte(secret))
		mac.Write(body)
		want := "sha1=" + hex.EncodeToString(mac.Sum(nil))
		if (legacy && header != want) || (!legacy && header != "") {
			t.Fatalf("legacy=%v: X-Hub-Signature %q, want %q", legacy, header, want)
		}
	}
}
