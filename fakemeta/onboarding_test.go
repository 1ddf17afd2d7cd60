package fakemeta

import (
	"bytes"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/transport/graph"
)

func TestCodeExchangeAndDebugToken(t *testing.T) {
	s := startFake(t, Config{AppID: "1432009877312456", Codes: map[string]string{"AQD-code-1": "EAA-new-business-token"}})
	s.GrantToken("EAA-new-business-token", wabaA)
	c := clientFor(t, s)

	tok, err := c.ExchangeCode(bg(), "1432009877312456", secret, "AQD-code-1")
	if err != nil || tok.AccessToken != "EAA-new-business-token" || tok.TokenType != "bearer" {
		t.Fatalf("%+v %v", tok, err)
	}
	cases := []struct {
		name          string
		id, sec, code string
		wantCode, sub int
	}{
		{"code used twice", "1432009877312456", secret, "AQD-code-1", 100, 36009},
		{"unknown code", "1432009877312456", secret, "AQD-nope", 100, 36007},
		{"wrong secret", "1432009877312456", "guess", "AQD-nope", 1, 0},
		{"wrong app", "42", secret, "AQD-nope", 101, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ExchangeCode(bg(), tc.id, tc.sec, tc.code)
			if e := asAPIError(t, err); e.Code != tc.wantCode || e.Subcode != tc.sub {
				t.Fatalf("%+v", e)
			}
		})
	}
	s.AddCode("AQD-code-2", "EAA-other")
	q := url.Values{"client_id": {"1432009877312456"}, "client_secret": {secret}, "code": {"AQD-code-2"}, "redirect_uri": {"https://app.example.com/"}}
	status, body := raw(t, "GET", s.URL()+"/v24.0/oauth/access_token?"+q.Encode(), "", nil)
	if e := apiErr(t, status, body); e.Code != 100 || e.Subcode != 36008 {
		t.Fatalf("a redirect_uri must fail the exchange: %+v", e)
	}

	app := graph.AppToken("1432009877312456", secret)
	d, err := c.DebugToken(bg(), app, "EAA-new-business-token")
	if err != nil || !d.Data.IsValid || d.Data.ExpiresAt != 0 || !d.Data.GrantsWABA(wabaA) || d.Data.GrantsWABA(wabaB) {
		t.Fatalf("%+v %v", d, err)
	}
	d, err = c.DebugToken(bg(), app, "EAA-garbage")
	if err != nil || d.Data.IsValid || d.Data.Error == nil || d.Data.Error.Code != 190 {
		t.Fatalf("%+v %v", d, err)
	}
	s.RevokeToken(tokenA)
	d, err = c.DebugToken(bg(), app, tokenA)
	if err != nil || d.Data.IsValid || d.Data.Error.Subcode != 460 {
		t.Fatalf("%+v %v", d, err)
	}
	if _, err := c.DebugToken(bg(), "1432009877312456|wrong", tokenB); asAPIError(t, err).Code != 190 {
		t.Fatalf("wrong app token: %v", err)
	}
}

// An Embedded Signup code lives CodeTTL from its issue (Meta: 30 seconds); an expired one
// fails the exchange and cannot be exchanged later either.
func TestCodeExpires(t *testing.T) {
	if DefaultConfig().CodeTTL != 30*time.Second {
		t.Fatalf("DefaultConfig's code TTL %v, want Meta's 30 s", DefaultConfig().CodeTTL)
	}
	clock := newFakeClock()
	s := startFake(t, Config{AppID: "1432009877312456", CodeTTL: 30 * time.Second, Clock: clock.Now})
	c := clientFor(t, s)
	s.AddCode("AQD-fresh", "EAA-fresh")
	s.AddCode("AQD-stale", "EAA-stale")
	clock.Advance(29 * time.Second)
	if tok, err := c.ExchangeCode(bg(), "1432009877312456", secret, "AQD-fresh"); err != nil || tok.AccessToken != "EAA-fresh" {
		t.Fatalf("within the TTL: %+v %v", tok, err)
	}
	clock.Advance(time.Second)
	for range 2 {
		_, err := c.ExchangeCode(bg(), "1432009877312456", secret, "AQD-stale")
		if e := asAPIError(t, err); e.Code != 100 || e.Message != "This authorization code has expired." {
			t.Fatalf("after the TTL: %+v", e)
		}
	}
}

func TestSubscribeAndRegister(t *testing.T) {
	s := startFake(t, Config{})
	c := clientFor(t, s)
	if err := c.SubscribeApp(bg(), tokenA, wabaA, nil); err != nil {
		t.Fatal(err)
	}
	status, _ := raw(t, "DELETE", s.URL()+"/v24.0/"+wabaA+"/subscribed_apps", tokenA, nil)
	if status != 200 {
		t.Fatal(status)
	}
	apps, err := c.SubscribedApps(bg(), tokenA, wabaA)
	if err != nil || len(apps.Data) != 0 {
		t.Fatalf("%+v %v", apps, err)
	}
	if err := c.SubscribeApp(bg(), tokenA, wabaA, nil); err != nil {
		t.Fatal(err)
	}
	apps, err = c.SubscribedApps(bg(), tokenA, wabaA)
	if err != nil || len(apps.Data) != 1 || apps.Data[0].WhatsAppBusinessAPIData.Name == "" {
		t.Fatalf("%+v %v", apps, err)
	}
	if err := c.SubscribeApp(bg(), tokenB, wabaA, nil); asAPIError(t, err).Subcode != 33 {
		t.Fatalf("another tenant's WABA: %v", err)
	}
	if err := c.SubscribeApp(bg(), tokenA, pnA, nil); asAPIError(t, err).Subcode != 33 {
		t.Fatalf("a number has no subscribed_apps: %v", err)
	}
	if err := c.RegisterPhone(bg(), tokenA, pnA, "12345"); asAPIError(t, err).Code != 100 {
		t.Fatalf("short PIN: %v", err)
	}
	if err := c.RegisterPhone(bg(), tokenA, pnA, "123456"); err != nil {
		t.Fatal(err)
	}
}

func TestPhoneNumberAndHealth(t *testing.T) {
	s := startFake(t, Config{Throughput: DefaultThroughput, CallbackURL: "http://127.0.0.1:1/hook"})
	c := clientFor(t, s)
	p, err := c.PhoneNumber(bg(), tokenA, pnA)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != pnA || p.DisplayPhoneNumber != "+1 555-012-3456" || p.QualityRating != "GREEN" || p.Throughput.Level != "STANDARD" ||
		p.MessagingLimit == "" || p.HealthStatus.CanSendMessage != graph.HealthAvailable || p.WebhookConfiguration.Application == "" {
		t.Fatalf("%+v", p)
	}
	// Only the fields asked for, like Graph.
	status, body := raw(t, "GET", s.URL()+"/v24.0/"+pnA+"?fields=quality_rating,throughput", tokenA, nil)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || status != 200 || len(m) != 3 || m["quality_rating"] != "GREEN" {
		t.Fatalf("%d %s", status, body)
	}
	status, body = raw(t, "GET", s.URL()+"/v24.0/"+pnA+"?fields=favourite_colour", tokenA, nil)
	// Graph's own wording in message, with no WhatsApp error_data.
	if e := apiErr(t, status, body); e.Code != 100 || e.Details != "" ||
		e.Message != "(#100) Tried accessing nonexisting field (favourite_colour) on node type (WhatsAppBusinessPhoneNumber)" {
		t.Fatalf("%+v", e)
	}

	s.SetThroughput(pnA, 1000)
	s.UpdateNumber(pnA, func(p *graph.PhoneNumber) {
		p.QualityRating = "RED"
		p.HealthStatus = &graph.HealthStatus{CanSendMessage: graph.HealthBlocked, Entities: []graph.HealthEntity{
			{EntityType: "WABA", ID: wabaA, CanSendMessage: graph.HealthBlocked, Errors: []graph.HealthError{{ErrorCode: 141006, ErrorDescription: "payment"}}},
		}}
	})
	h, err := c.HealthStatus(bg(), tokenA, pnA)
	if err != nil || h.ID != pnA || h.HealthStatus.CanSendMessage != graph.HealthBlocked || h.HealthStatus.Entities[0].Errors[0].ErrorCode != 141006 {
		t.Fatalf("%+v %v", h, err)
	}
	p, err = c.PhoneNumber(bg(), tokenA, pnA, "quality_rating", "throughput")
	if err != nil || p.QualityRating != "RED" || p.Throughput.Level != "HIGH" || p.HealthStatus != nil {
		t.Fatalf("%+v %v", p, err)
	}
	l, err := c.PhoneNumbers(bg(), tokenA, wabaA)
	if err != nil || len(l.Data) != 1 || l.Data[0].ID != pnA || l.Data[0].Throughput == nil {
		t.Fatalf("%+v %v", l, err)
	}
	if _, err := c.PhoneNumber(bg(), tokenB, pnA); asAPIError(t, err).Subcode != 33 {
		t.Fatalf("another tenant's number: %v", err)
	}
}

// Paging follows paging.next to the end: by next URL at limit 3, and with the engine's
// client at its page size.
func TestTemplatesPaging(t *testing.T) {
	s := startFake(t, Config{})
	const total = 7
	for i := range total {
		status := graph.TemplateApproved
		if i%3 == 2 {
			status = graph.TemplateRejected
		}
		s.AddTemplate(wabaA, fmt.Sprintf("tpl_%02d", i), "pt_BR", status, graph.CategoryUtility,
			[]graph.TemplateDefinitionBlock{{Type: "BODY", Text: "Olá {{1}}"}})
	}
	next := s.URL() + "/v24.0/" + wabaA + "/message_templates?fields=" + url.QueryEscape(graph.TemplateFields) + "&limit=3"
	var names []string
	pages := 0
	for next != "" {
		status, body := raw(t, "GET", next, tokenA, nil)
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var p graph.TemplatesPage
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		for _, tpl := range p.Data {
			names = append(names, tpl.Name)
			if tpl.ID == "" || tpl.Language != "pt_BR" || tpl.ParameterFormat != graph.ParameterFormatPositional || len(tpl.Components) != 1 {
				t.Fatalf("%+v", tpl)
			}
		}
		if p.Paging.Cursors.After == "" || (pages > 0) != (p.Paging.Previous != "") {
			t.Fatalf("page %d paging %+v", pages, p.Paging)
		}
		next = p.Paging.Next
		pages++
	}
	if pages != 3 || len(names) != total || names[0] != "tpl_00" || names[total-1] != "tpl_06" {
		t.Fatalf("%d pages: %v", pages, names)
	}

	status, body := raw(t, "GET", s.URL()+"/v24.0/"+wabaA+"/message_templates?status=APPROVED&limit=100", tokenA, nil)
	var approved graph.TemplatesPage
	if err := json.Unmarshal(body, &approved); err != nil || status != 200 || len(approved.Data) != 5 || approved.Paging.Next != "" {
		t.Fatalf("%d %s", status, body)
	}

	// The client's own paging, over more than one of its pages.
	for i := range 2*graph.TemplatePageSize + 10 - total {
		s.AddTemplate(wabaA, fmt.Sprintf("bulk_%03d", i), "en_US", graph.TemplateApproved, graph.CategoryMarketing, nil)
	}
	c := clientFor(t, s)
	var got []string
	after := ""
	for pages = 0; ; pages++ {
		p, err := c.ListTemplates(bg(), tokenA, wabaA, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, tpl := range p.Data {
			got = append(got, tpl.Name)
		}
		if p.Paging.Next == "" {
			break
		}
		after = p.Paging.Cursors.After
	}
	if pages != 2 || len(got) != 2*graph.TemplatePageSize+10 {
		t.Fatalf("%d pages, %d templates", pages+1, len(got))
	}
	if _, err := c.ListTemplates(bg(), tokenB, wabaA, ""); asAPIError(t, err).Subcode != 33 {
		t.Fatalf("another tenant's templates: %v", err)
	}
}

// Paging back with the before cursor gives what precedes the cursor's page, never the
// page itself: following previous retraces the pages, a before cursor with a larger limit

// GET message_templates answers the fields asked for and the id, as Graph does, and Meta's
// default set without ?fields (review C #5); what template sync asks for
// (graph.TemplateFields) brings back every field fakemeta keeps, so the engine's template
// checks have the components and parameter_format they read.
func TestTemplateFields(t *testing.T) {
	s := startFake(t, Config{})
	s.AddDemoTemplates(wabaA)
	list := func(query string) (int, []byte) {
		return raw(t, "GET", s.URL()+"/v24.0/"+wabaA+"/message_templates?limit=1"+query, tokenA, nil)
	}
	cases := []struct {
		name  string
		query string
		keys  string // the first template's, sorted
	}{
		{"one field", "&fields=name", "id,name"},
		{"two fields, spaced", "&fields=" + url.QueryEscape("status, components"), "components,id,status"},
		{"Meta's default", "", "category,components,id,language,name,parameter_format,status"},
		{"template sync's", "&fields=" + url.QueryEscape(graph.TemplateFields), "category,components,id,language,name,parameter_format,status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := list(tc.query)
			if status != 200 {
				t.Fatalf("%d %s", status, body)
			}
			var page struct{ Data []map[string]json.RawMessage }
			if err := json.Unmarshal(body, &page); err != nil || len(page.Data) != 1 {
				t.Fatalf("%v %s", err, body)
			}
			keys := slices.Sorted(maps.Keys(page.Data[0]))
			if strings.Join(keys, ",") != tc.keys {
				t.Fatalf("fields %v, want %s", keys, tc.keys)
			}
		})
	}
	// What sync reads decodes to the template fakemeta holds, field for field.
	status, body := list("&fields=" + url.QueryEscape(graph.TemplateFields))
	var page graph.TemplatesPage
	if err := json.Unmarshal(body, &page); status != 200 || err != nil || len(page.Data) != 1 {
		t.Fatalf("%d %v %s", status, err, body)
	}
	want, _ := s.template(wabaA, "order_shipped", "pt_BR")
	if got, w := mustJSON(t, page.Data[0]), mustJSON(t, want); string(got) != string(w) {
		t.Fatalf("sync reads\n%s\nfakemeta holds\n%s", got, w)
	}
	status, body = list("&fields=name,colour")
	if e := apiErr(t, status, body); status != 400 || e.Code != 100 || e.Message != "(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppBusinessHSM)" {
		t.Fatalf("%d %+v", status, e)
	}
}

// stops at the cursor, and before the first page there is nothing.
func TestTemplatesPagingBackwards(t *testing.T) {
	s := startFake(t, Config{})
	for i := range 7 {
		s.AddTemplate(wabaA, fmt.Sprintf("tpl_%02d", i), "pt_BR", graph.TemplateApproved, graph.CategoryUtility, nil)
	}
	list := func(url string) graph.TemplatesPage {
		t.Helper()
		status, body := raw(t, "GET", url, tokenA, nil)
		var p graph.TemplatesPage
		if err := json.Unmarshal(body, &p); err != nil || status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		return p
	}
	names := func(p graph.TemplatesPage) string {
		var out []string
		for _, tpl := range p.Data {
			out = append(out, tpl.Name)
		}
		return strings.Join(out, ",")
	}
	base := s.URL() + "/v24.0/" + wabaA + "/message_templates?"
	first := list(base + "limit=3")
	second := list(first.Paging.Next)
	last := list(second.Paging.Next)
	if names(last) != "tpl_06" || last.Paging.Previous == "" {
		t.Fatalf("last page %s %+v", names(last), last.Paging)
	}
	if back := list(last.Paging.Previous); names(back) != names(second) {
		t.Fatalf("previous of the last page: %s, want %s", names(back), names(second))
	}
	if back := list(second.Paging.Previous); names(back) != names(first) || back.Paging.Previous != "" {
		t.Fatalf("previous of the second page: %s %+v, want %s", names(back), back.Paging, names(first))
	}
	if wider := list(base + "limit=5&before=" + second.Paging.Cursors.Before); names(wider) != "tpl_00,tpl_01,tpl_02" {
		t.Fatalf("before the second page with limit 5: %s", names(wider))
	}
	if none := list(base + "limit=3&before=" + first.Paging.Cursors.Before); len(none.Data) != 0 || none.Paging.Next != "" {
		t.Fatalf("before the first page: %s %+v", names(none), none.Paging)
	}
}

func TestStatsAndControlEndpoints(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, Throughput: 2, IgnoreWindow: true})
	c := clientFor(t, s)
	for range 3 {
		_, _ = c.SendMessage(bg(), tokenA, pnA, text(user, "hi"))
	}
	status, body := raw(t, "GET", s.URL()+"/_fakemeta/stats", "", nil)
	var st Stats
	if err := json.Unmarshal(body, &st); err != nil || status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	a := st.Numbers[pnA]
	if a.Requests != 3 || a.Accepted != 2 || a.Errors[130429] != 1 || a.MaxPerSecond != 2 {
		t.Fatalf("%+v", a)
	}

	status, body = raw(t, "POST", s.URL()+"/_fakemeta/inbound", "", []byte(`{"phone_number_id":"`+pnA+`","wa_id":"`+userWaID+`","name":"Ana","text":"oi"}`))
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	_, msgs, _ := sk.snapshot()
	if len(msgs) != 1 || msgs[0].Text.Body != "oi" {
		t.Fatalf("%+v", msgs)
	}

	status, body = raw(t, "GET", s.URL()+"/_fakemeta/sent/"+pnA, "", nil)
	var sent struct {
		Data []struct {
			WAMID string          `json:"wamid"`
			Body  json.RawMessage `json:"body"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &sent); err != nil || status != 200 || len(sent.Data) != 2 || sent.Data[0].WAMID == "" {
		t.Fatalf("%d %s", status, body)
	}
	if strings.Contains(string(body), tokenA) {
		t.Fatal("the sent endpoint must not show tokens")
	}

	s.ResetStats()
	if a := s.Stats().Numbers[pnA]; a.Requests != 0 || a.MaxPerSecond != 0 || len(s.Sent(pnA)) != 0 {
		t.Fatalf("%+v", a)
	}
}

// A WABA the app is not subscribed to gets no webhooks (WHATSAPP.md §4.2 step 3: "without
// this step … real messages never arrive"): its inbound messages and statuses are dropped,
// counted in /_fakemeta/stats, and flow again once it is subscribed.
func TestUnsubscribedWABAGetsNoWebhooks(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, Statuses: StatusConfig{SkipDelivered: true}})
	c := clientFor(t, s)
	if !s.Subscribed(wabaB) {
		t.Fatal("AddNumber subscribes the WABA")
	}
	if status, body := raw(t, "DELETE", s.URL()+"/v24.0/"+wabaB+"/subscribed_apps", tokenB, nil); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if s.Subscribed(wabaB) || !s.Subscribed(wabaA) {
		t.Fatal("only B was unsubscribed")
	}
	if _, err := s.SendInbound(bg(), pnB, "447911123456", "Tom", "hello B"); err == nil {
		t.Fatal("an inbound message of an unsubscribed WABA was delivered")
	}
	r, err := c.SendMessage(bg(), tokenB, pnB, text("+447911123456", "reply"))
	if err != nil {
		t.Fatal(err) // sending does not need the subscription
	}
	eventually(t, "the inbound and both statuses dropped", func() bool { return s.Stats().Webhooks.Unsubscribed == 3 })
	if w := s.Stats().Webhooks; w.Dropped != 3 || w.Attempts != 0 {
		t.Fatalf("%+v", w)
	}
	status, body := raw(t, "GET", s.URL()+"/_fakemeta/stats", "", nil)
	if status != 200 || !bytes.Contains(body, []byte(`"dropped_unsubscribed":3`)) {
		t.Fatalf("stats: %d %s", status, body)
	}
	// Tenant A, still subscribed, is unaffected; B's webhooks flow again once subscribed.
	if _, err := s.SendInbound(bg(), pnA, userWaID, "Ana", "oi"); err != nil {
		t.Fatal(err)
	}
	if err := c.SubscribeApp(bg(), tokenB, wabaB, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendInbound(bg(), pnB, "447911123456", "Tom", "hello again"); err != nil {
		t.Fatal(err)
	}
	_, messages, _ := sk.snapshot()
	if len(messages) != 2 || len(sk.statusesOf(r.WAMID())) != 0 {
		t.Fatalf("messages %+v, statuses of the reply %v", messages, sk.statusesOf(r.WAMID()))
	}
}

// A number added AsAfterSignup is unregistered on an unsubscribed WABA: its sends are
// refused with 133010 as graph/error_133010_not_registered.json shows, its health is
// BLOCKED, and it works once the engine subscribes the WABA and registers the number.
func TestNumberAsAfterSignup(t *testing.T) {
	const pnC, wabaC, displayC, tokenC = "130000000000001", "130000000000099", "15550199999", "EAA-token-tenant-c"
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, IgnoreWindow: true, Statuses: StatusConfig{SkipDelivered: true, SkipRead: true}})
	s.AddNumber(pnC, wabaC, displayC, tokenC, AsAfterSignup())
	c := clientFor(t, s)
	if s.Registered(pnC) || s.Subscribed(wabaC) {
		t.Fatal("a number after signup is neither registered nor subscribed")
	}
	if !s.Registered(pnA) || s.Registered("no-such-number") || s.Subscribed("no-such-waba") {
		t.Fatal("accessors")
	}
	_, err := c.SendMessage(bg(), tokenC, pnC, text(user, "too early"))
	e := asAPIError(t, err)
	if e.Code != 133010 || e.Message != "(#133010) Account not registered" ||
		e.Details != "Phone number not registered on the WhatsApp Business Platform." || e.HTTPStatus != 400 {
		t.Fatalf("%+v", e)
	}
	health, err := c.PhoneNumber(bg(), tokenC, pnC, "health_status")
	if err != nil || health.HealthStatus == nil || health.HealthStatus.CanSendMessage != graph.HealthBlocked {
		t.Fatalf("%+v %v", health, err)
	}
	if apps, err := c.SubscribedApps(bg(), tokenC, wabaC); err != nil || len(apps.Data) != 0 {
		t.Fatalf("%+v %v", apps, err)
	}
	// Registered but not subscribed: sends go out, their statuses do not come back.
	if err := c.RegisterPhone(bg(), tokenC, pnC, "123456"); err != nil {
		t.Fatal(err)
	}
	if !s.Registered(pnC) {
		t.Fatal("registered")
	}
	quiet, err := c.SendMessage(bg(), tokenC, pnC, text(user, "registered"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the status dropped", func() bool { return s.Stats().Webhooks.Unsubscribed == 1 })
	if err := c.SubscribeApp(bg(), tokenC, wabaC, nil); err != nil {
		t.Fatal(err)
	}
	if !s.Subscribed(wabaC) {
		t.Fatal("subscribed")
	}
	r, err := c.SendMessage(bg(), tokenC, pnC, text(user, "onboarded"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "sent", func() bool { return len(sk.statusesOf(r.WAMID())) == 1 })
	if got := sk.statusesOf(quiet.WAMID()); len(got) != 0 {
		t.Fatalf("statuses of the send before the subscription: %v", got)
	}
}
