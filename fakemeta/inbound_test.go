package fakemeta

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

func TestGenerateInbound(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url, Statuses: StatusConfig{Disabled: true}})
	rep, err := s.GenerateInbound(bg(), Spec{PhoneNumberID: pnA, Users: 5, Messages: 50, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 50 || rep.Delivered != 50 || rep.Failed != 0 {
		t.Fatalf("%+v", rep)
	}
	_, msgs, bad := sk.snapshot()
	if len(bad) > 0 || len(msgs) != 50 {
		t.Fatalf("%d messages, bad %v", len(msgs), bad)
	}
	wamids, users := map[string]bool{}, map[string]bool{}
	for _, m := range msgs {
		if !strings.HasPrefix(m.ID, "wamid.") || m.Type != graph.TypeText || m.Text == nil || m.Text.Body == "" || m.Timestamp == 0 {
			t.Fatalf("%+v", m)
		}
		wamids[m.ID] = true
		users[m.From] = true
	}
	if len(wamids) != 50 || len(users) != 5 {
		t.Fatalf("%d unique wamids, %d users", len(wamids), len(users))
	}
	sk.mu.Lock()
	contacts := append([]graph.Contact(nil), sk.contacts...)
	sk.mu.Unlock()
	if len(contacts) != 50 || contacts[0].Profile.Name == "" || !users[contacts[0].WaID] {
		t.Fatalf("%+v", contacts[:1])
	}
	if n := s.Stats().Numbers[pnA].Inbound; n != 50 {
		t.Fatalf("inbound %d", n)
	}

	// Every simulated user now has an open window.
	var from string
	for u := range users {
		from = u
	}
	r, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, text("+"+from, "reply"))
	if err != nil {
		t.Fatal(err)
	}
	if sent := s.Sent(pnA); len(sent) != 1 || sent[0].WAMID != r.WAMID() || sent[0].AsyncErrorCode != 0 {
		t.Fatalf("%+v", sent)
	}
}

// Inbound payloads have the fixtures' shapes: a phone user's (inbound_text.json) and a
// user known only by a BSUID (inbound_text_bsuid_no_phone.json: user_id and from_user_id,
// no wa_id or from; fakemeta models no usernames, so the fixture's is left out).
func TestInboundShapeMatchesFixture(t *testing.T) {
	at := where{wabaID: wabaA, phoneNumberID: pnA, display: displayA}
	cases := []struct {
		fixture            string
		waID, userID, name string
		wamid, text        string
		timestamp          int64
	}{
		{"webhooks/inbound_text.json", userWaID, "", "Ana Souza", "wamid.HBgNNTExOTg3NjU0MzIxFQIAEhgUOENCN0Q2NjZENjg2NEQ5RkYzQUYA",
			"Oi! Vocês entregam no sábado?", 1767225600},
		{"webhooks/inbound_text_bsuid_no_phone.json", "", "BR.48120937561230984412", "Ana S.", "wamid.HBgNNTExOTg3NjU0MzIxFQIAEhgUQTE3NEE4NTYwN0NDQ0Q4NjQ4ODkA",
			"Oi, sou eu de novo", 1767227700},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			var fixture, ours map[string]any
			if err := json.Unmarshal(fixtures.Read(t, tc.fixture), &fixture); err != nil {
				t.Fatal(err)
			}
			value := fixture["entry"].([]any)[0].(map[string]any)["changes"].([]any)[0].(map[string]any)["value"].(map[string]any)
			delete(value["contacts"].([]any)[0].(map[string]any)["profile"].(map[string]any), "username")
			body := at.inboundText(tc.waID, tc.userID, tc.name, tc.wamid, tc.text, time.Unix(tc.timestamp, 0))
			if err := json.Unmarshal(body, &ours); err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(fixture)
			b, _ := json.Marshal(ours)
			if string(a) != string(b) {
				t.Fatalf("\nfixture %s\nours    %s", a, b)
			}
		})
	}
}

// POST /_fakemeta/inbound (SendInbound) writes a phone number as Meta writes from and
// wa_id — digits — however it was given, with the user's BSUID beside it as since 2026
// (user_id, from_user_id; NoInboundUserIDs leaves it out, as the fixtures were written),
// and a BSUID as a user known only by it.
func TestInboundSender(t *testing.T) {
	const bsuid = "BR.48120937561230984412"
	anaID := UserIDOf(wabaA, userWaID)
	cases := []struct {
		waID        string
		noUserIDs   bool
		wantContact graph.Contact
		wantFrom    string
		wantUserID  string
	}{
		{"+55 11 98765-4321", false, graph.Contact{Profile: graph.Profile{Name: "Ana"}, WaID: userWaID, UserID: anaID}, userWaID, anaID},
		{userWaID, false, graph.Contact{Profile: graph.Profile{Name: "Ana"}, WaID: userWaID, UserID: anaID}, userWaID, anaID},
		{userWaID, true, graph.Contact{Profile: graph.Profile{Name: "Ana"}, WaID: userWaID}, userWaID, ""},
		{bsuid, false, graph.Contact{Profile: graph.Profile{Name: "Ana"}, UserID: bsuid}, "", bsuid},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s, NoInboundUserIDs %v", tc.waID, tc.noUserIDs), func(t *testing.T) {
			sk := startSink(t)
			s := startFake(t, Config{CallbackURL: sk.url, NoInboundUserIDs: tc.noUserIDs})
			st, body := raw(t, "POST", s.URL()+"/_fakemeta/inbound", "",
				mustJSON(t, map[string]string{"phone_number_id": pnA, "wa_id": tc.waID, "name": "Ana", "text": "oi"}))
			if st != 200 {
				t.Fatalf("%d %s", st, body)
			}
			_, msgs, _ := sk.snapshot()
			sk.mu.Lock()
			contacts := append([]graph.Contact(nil), sk.contacts...)
			sk.mu.Unlock()
			if len(msgs) != 1 || msgs[0].From != tc.wantFrom || msgs[0].FromUserID != tc.wantUserID || len(contacts) != 1 || contacts[0] != tc.wantContact {
				t.Fatalf("messages %+v contacts %+v", msgs, contacts)
			}
		})
	}
}

func TestGenerateInboundRateAndDuration(t *testing.T) {
	sk := startSink(t)
	s := startFake(t, Config{CallbackURL: sk.url})
	start := time.Now()
	rep, err := s.GenerateInbound(bg(), Spec{PhoneNumberID: pnA, Users: 3, Rate: 200, Duration: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// 200/s for 150 ms is about 30; pacing starts at once, so allow slack both ways.
	if rep.Sent < 10 || rep.Sent > 35 || rep.Delivered != rep.Sent || time.Since(start) > 2*time.Second {
		t.Fatalf("%+v", rep)
	}

	if _, err := s.GenerateInbound(bg(), Spec{PhoneNumberID: pnA}); err == nil {
		t.Fatal("an unbounded run must be refused")
	}
	if _, err := s.GenerateInbound(bg(), Spec{PhoneNumberID: "nope", Messages: 1}); err == nil {
		t.Fatal("unknown number")
	}
	ctx, cancel := context.WithCancel(bg())
	cancel()
	if rep, err := s.GenerateInbound(ctx, Spec{PhoneNumberID: pnA, Messages: 1000}); err != nil || rep.Sent > 8 {
		t.Fatalf("a cancelled run stops: %+v %v", rep, err)
	}
}

// Close stops a long run and waits for it.
func TestCloseStopsGenerator(t *testing.T) {
	sk := startSink(t)
	s := New(Config{CallbackURL: sk.url, AppSecret: secret})
	s.AddNumber(pnA, wabaA, displayA, tokenA)
	if err := s.Start(""); err != nil {
		t.Fatal(err)
	}
	done := make(chan InboundReport)
	go func() {
		rep, _ := s.GenerateInbound(bg(), Spec{PhoneNumberID: pnA, Rate: 100, Duration: time.Hour})
		done <- rep
	}()
	eventually(t, "some traffic", func() bool { _, m, _ := sk.snapshot(); return len(m) > 2 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("generator still running after Close")
	}
}
