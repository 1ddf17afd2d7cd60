package webhook

import (
	"bytes"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// testReceived is when the tests' webhooks arrived: after every fixture's timestamps.
var testReceived = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// A failed status carries an error code, and a code that restricts the tenant's number or
// account stops its sends however it arrives: the fixtures' failures are about one message
// (undeliverable, window closed, marketing caps, media) and restrict nothing; the same
// status with 131042 (payment) or 131048 (spam limit) does.
func TestFailedStatusesThatPauseSends(t *testing.T) {
	for _, name := range []string{
		"status_failed_131026.json", "status_failed_131047.json", "status_failed_131049.json",
		"status_failed_131050_marketing_optout.json", "status_failed_131053_media.json",
	} {
		t.Run(name, func(t *testing.T) {
			s := failedStatusOf(t, string(fixtures.Read(t, "webhooks/"+name)))
			if st := toStatus(s, testReceived); st.Error == nil || st.PausesSends {
				t.Fatalf("%+v: want an error that pauses nothing", st)
			}
		})
	}
	body := string(fixtures.Read(t, "webhooks/status_failed_131026.json"))
	for _, code := range []string{"131042", "131048", "368"} {
		t.Run(code, func(t *testing.T) {
			s := failedStatusOf(t, strings.ReplaceAll(body, "131026", code))
			if st := toStatus(s, testReceived); st.Error == nil || !st.PausesSends {
				t.Fatalf("%+v: want sends paused", st)
			}
		})
	}
}

func failedStatusOf(t *testing.T, body string) *graph.Status {
	t.Helper()
	w, err := graph.ParseWebhook([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	v, err := w.Entry[0].Changes[0].MessagesValue()
	if err != nil || len(v.Statuses) != 1 || v.Statuses[0].Status != graph.StatusFailed {
		t.Fatalf("not one failed status: %v %+v", err, v)
	}
	return &v.Statuses[0]
}

// An ACCOUNT_RESTRICTION becomes a tenant event whatever form its expiration takes: Unix
// seconds (Meta's docs, the fixture), an ISO date with a "+0000" offset (as WATI and Zernio
// document Meta sending it), or something the engine does not read, which is logged and
// left out. Before, an ISO expiration failed the whole value and the event was a dead
// letter, so the tenant was never restricted.
func TestAccountRestrictionExpirationForms(t *testing.T) {
	fixture := string(fixtures.Read(t, "webhooks/account_update_restriction.json"))
	const unix = `"expiration": 1767837600`
	if !strings.Contains(fixture, unix) {
		t.Fatal("the fixture's expiration is not " + unix)
	}
	cases := []struct {
		name       string
		expiration string
		want       time.Time
		logged     bool
	}{
		{"unix number", `1767837600`, time.Unix(1767837600, 0).UTC(), false},
		{"unix string", `"1767837600"`, time.Unix(1767837600, 0).UTC(), false},
		{"iso +0000", `"2026-04-19T13:59:20+0000"`, time.Date(2026, 4, 19, 13, 59, 20, 0, time.UTC), false},
		{"unreadable", `"soon"`, time.Time{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := graph.ParseWebhook([]byte(strings.Replace(fixture, unix, `"expiration": `+tc.expiration, 1)))
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			entry := w.Entry[0]
			ev, err := tenantEvent(slog.New(slog.NewTextHandler(&logs, nil)), entry.ID, entry, entry.Changes[0], testReceived)
			if err != nil {
				t.Fatalf("dead letter: %v", err)
			}
			a := ev.Account
			if a == nil || a.Event != "ACCOUNT_RESTRICTION" || a.Detail != "RESTRICTED_BIZ_INITIATED_MESSAGING" || !a.Expires.Equal(tc.want) {
				t.Fatalf("account event %+v, want expiry %v", a, tc.want)
			}
			if got := strings.Contains(logs.String(), "restriction_info.expiration"); got != tc.logged {
				t.Fatalf("logged %v, want %v: %s", got, tc.logged, logs.String())
			}
		})
	}
}

// A failed status with Meta's own trouble (131000, 131016) is retryable, as the same code
// answering a send is (WHATSAPP.md §2.3), and so is a restriction (it pauses the tenant too,
// and the message goes again after the pause, as the answer's path queues it again); the
// fixtures' failures, about the message or its recipient, are not.
func TestFailedStatusesThatAreRetried(t *testing.T) {
	body := string(fixtures.Read(t, "webhooks/status_failed_131026.json"))
	for code, want := range map[string]bool{"131000": true, "131016": true, "131026": false, "131047": false, "131048": true, "130472": false} {
		t.Run(code, func(t *testing.T) {
			if st := toStatus(failedStatusOf(t, strings.ReplaceAll(body, "131026", code)), testReceived); st.Error == nil || st.Retryable != want {
				t.Fatalf("%+v: retryable %v, want %v", st, st.Retryable, want)
			}
		})
	}
	if st := toStatus(failedStatusOf(t, string(fixtures.Read(t, "webhooks/status_failed_131047.json"))), testReceived); st.Retryable {
		t.Fatalf("%+v: a closed window is not retried", st)
	}
}

// Every time a webhook states is dated by the webhook's arrival when it is implausible: past
// year 9999 (no store encodes it, so its conversation could never be written again), or
// milliseconds read as seconds. A plausible time is kept.
func TestImplausibleTimesAreDatedByArrival(t *testing.T) {
	for _, tc := range []struct {
		ts   string
		want time.Time
	}{
		{"1767225600", time.Unix(1767225600, 0).UTC()},
		{"253402300800", testReceived},
		{"1767225600000", testReceived},
	} {
		t.Run(tc.ts, func(t *testing.T) {
			body := `{"object":"whatsapp_business_account","entry":[{"id":"1","time":` + tc.ts + `,"changes":[` +
				`{"field":"messages","value":{"metadata":{"phone_number_id":"1"},` +
				`"messages":[{"from":"5511987654321","id":"wamid.1","timestamp":"` + tc.ts + `","type":"text","text":{"body":"hi"}}],` +
				`"statuses":[{"id":"wamid.2","status":"read","timestamp":"` + tc.ts + `","recipient_id":"5511987654321"}],` +
				`"user_preferences":[{"wa_id":"5511987654321","category":"marketing_messages","value":"stop","timestamp":` + tc.ts + `}]}},` +
				`{"field":"template_status_update","value":{"event":"APPROVED","message_template_id":1}}]}]}`
			w, err := graph.ParseWebhook([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			entry := w.Entry[0]
			v, err := entry.Changes[0].MessagesValue()
			if err != nil {
				t.Fatal(err)
			}
			ev, err := tenantEvent(slog.New(slog.DiscardHandler), entry.ID, entry, entry.Changes[1], testReceived)
			if err != nil {
				t.Fatal(err)
			}
			msg := toMessage(&v.Messages[0], v.Messages[0].Raw, testReceived)
			for what, got := range map[string]time.Time{
				"message":    msg.Timestamp,
				"status":     toStatus(&v.Statuses[0], testReceived).Timestamp,
				"preference": toPreference(&v.UserPreferences[0], testReceived).Timestamp,
				"entry":      ev.Time,
			} {
				if !got.Equal(tc.want) {
					t.Errorf("%s dated %v, want %v", what, got, tc.want)
				}
			}
			if _, err := json.Marshal(msg); err != nil {
				t.Fatalf("the message cannot be stored: %v", err)
			}
		})
	}
}

// A product inquiry (WHATSAPP.md §1.5: context {from, id, referred_product}) keeps the
// product the customer asked about; a reply without one, or a referred_product in a shape
// that is no product, converts without it.
func TestProductInquiryKeepsItsProduct(t *testing.T) {
	for _, tc := range []struct {
		name, context string
		want          *actors.ReferredProduct
	}{
		{"product inquiry", `{"from":"15550123456","id":"wamid.c","referred_product":{"catalog_id":"CAT-77","product_retailer_id":"SKU-123"}}`,
			&actors.ReferredProduct{CatalogID: "CAT-77", ProductRetailerID: "SKU-123"}},
		{"numeric ids", `{"id":"wamid.c","referred_product":{"catalog_id":77,"product_retailer_id":123}}`,
			&actors.ReferredProduct{CatalogID: "77", ProductRetailerID: "123"}},
		{"plain reply", `{"from":"15550123456","id":"wamid.c"}`, nil},
		{"not a product", `{"id":"wamid.c","referred_product":"SKU-123"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},` +
				`"messages":[{"from":"5511987654321","id":"wamid.q","timestamp":"1767225600","type":"text","text":{"body":"In stock?"},"context":` + tc.context + `}]}}]}]}`
			w, err := graph.ParseWebhook([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			v, err := w.Entry[0].Changes[0].MessagesValue()
			if err != nil {
				t.Fatal(err)
			}
			got := toMessage(&v.Messages[0], v.Messages[0].Raw, testReceived).Context
			if got == nil || got.ReplyTo != "wamid.c" || !reflect.DeepEqual(got.ReferredProduct, tc.want) {
				t.Fatalf("context %+v, want the reply to wamid.c with product %+v", got, tc.want)
			}
		})
	}
}

// A message_template_components_update (a template edited) names the template edited, so
// the tenant drops the definition it knew (stale) until the next sync.
func TestTemplateComponentsUpdateNamesTheTemplate(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"104996122399160","time":1767225600,"changes":[` +
		`{"field":"message_template_components_update","value":{"message_template_id":1789012345678901,` +
		`"message_template_name":"order_shipped","message_template_language":"pt-BR","message_template_element":"Olá {{1}}",` +
		`"message_template_buttons":[{"message_template_button_type":"URL","message_template_button_url":"https://loja.example.com/{{1}}"}]}}]}]}`
	ev := firstTenantEvent(t, body)
	if e := ev.TemplateEdit; e == nil || e.Name != "order_shipped" || e.Language != "pt-BR" || ev.Template != nil {
		t.Fatalf("event %+v", ev)
	}
}

// A template event is converted to the status Meta documents it leaves (actors.TemplateStatusOf),
// keeping the event itself: FLAGGED and LOCKED leave the status as it was (""), REINSTATED
// and UNARCHIVED make the template APPROVED, a status event is its status, and an event the
// engine does not know is kept as it comes.
func TestTemplateEventsBecomeStatuses(t *testing.T) {
	body := string(fixtures.Read(t, "webhooks/template_status_update_approved.json"))
	for event, want := range map[string]string{
		"APPROVED": "APPROVED", "PAUSED": "PAUSED", "FLAGGED": "", "LOCKED": "",
		"REINSTATED": "APPROVED", "UNARCHIVED": "APPROVED", "SOMETHING_NEW": "SOMETHING_NEW",
	} {
		t.Run(event, func(t *testing.T) {
			ev := firstTenantEvent(t, strings.Replace(body, `"event": "APPROVED"`, `"event": "`+event+`"`, 1))
			if ev.Template == nil || ev.Template.Status != want || ev.Template.Event != event {
				t.Fatalf("event %s: %+v, want status %q", event, ev.Template, want)
			}
		})
	}
}

// firstTenantEvent converts the first change of a webhook body's first entry.
func firstTenantEvent(t *testing.T, body string) actors.TenantEvent {
	t.Helper()
	w, err := graph.ParseWebhook([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	entry := w.Entry[0]
	ev, err := tenantEvent(slog.New(slog.DiscardHandler), entry.ID, entry, entry.Changes[0], testReceived)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// A DISABLED_UPDATE keeps its waba_ban_date: a SCHEDULE_FOR_DISABLE bans from then, not now.
func TestScheduledBanKeepsItsDate(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"104996122399160","time":1767232600,"changes":[` +
		`{"field":"account_update","value":{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"SCHEDULE_FOR_DISABLE","waba_ban_date":"2026-12-20"}}}]}]}`
	ev := firstTenantEvent(t, body)
	if a := ev.Account; a == nil || a.Detail != "SCHEDULE_FOR_DISABLE" || !a.BanDate.Equal(time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("account event %+v", ev.Account)
	}
}
