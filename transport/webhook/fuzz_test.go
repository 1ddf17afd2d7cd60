package webhook

import (
	"log/slog"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/fixtures"
	"github.com/switchboard/switchboard/transport/graph"
)

// FuzzWebhookBody feeds the processor's pure steps — parse, split by change, convert to the
// domain's records, re-wrap for a dead letter — any body that passed the signature check.
// A body is durable in the inbox before it is processed, so a panic on one would crash every
// restart's replay: each step must answer an error or a record, never panic. What the
// engine keeps (a message, a status, a tenant event, a dead letter) must also encode, since
// a record its store cannot write would fail its conversation's every flush. The seeds are
// every webhook fixture; `go test -fuzz FuzzWebhookBody ./transport/webhook` explores.
func FuzzWebhookBody(f *testing.F) {
	for _, p := range fixtures.Glob(f, "webhooks/*.json") {
		f.Add(fixtures.Read(f, p))
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"image","image":1e999}]}}]}]}`))
	// Times no store can encode (past year 9999, milliseconds, the int64 extremes) in every
	// place a webhook states one.
	for _, ts := range []string{`"253402300800"`, `"1767225600000"`, `"9223372036854775807"`, `"-9223372036854775808"`, `253402300800`} {
		f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","time":` + ts + `,"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},` +
			`"messages":[{"from":"5511987654321","id":"wamid.1","timestamp":` + ts + `,"type":"text","text":{"body":"hi"}}],` +
			`"statuses":[{"id":"wamid.2","status":"read","timestamp":` + ts + `,"recipient_id":"5511987654321"}],` +
			`"user_preferences":[{"wa_id":"5511987654321","category":"marketing_messages","value":"stop","timestamp":` + ts + `}]}},` +
			`{"field":"template_category_update","value":{"message_template_id":1,"category_update_timestamp":` + ts + `}},` +
			`{"field":"account_update","value":{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"X","expiration":` + ts + `}]}}]}]}`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := graph.ParseWebhook(body)
		if err != nil {
			return
		}
		for _, entry := range w.Entry {
			for _, c := range entry.Changes {
				if _, err := graph.ParseWebhook(change(entry, c)); err != nil {
					t.Fatalf("a dead letter of this change would not parse again: %v", err)
				}
				switch c.Field {
				case graph.FieldMessages, graph.FieldUserPreferences:
					v, err := c.MessagesValue()
					if err != nil {
						continue
					}
					for i := range v.Messages {
						m := &v.Messages[i]
						_ = findContact(v.Contacts, m.From, m.FromUserID)
						mustEncode(t, toMessage(m, m.Raw, testReceived))
					}
					for i := range v.Statuses {
						s := &v.Statuses[i]
						_ = findContact(v.Contacts, s.RecipientID, s.RecipientUserID)
						mustEncode(t, toStatus(s, testReceived))
					}
					for i := range v.UserPreferences {
						mustEncode(t, toPreference(&v.UserPreferences[i], testReceived))
					}
				default:
					if ev, err := tenantEvent(slog.New(slog.DiscardHandler), entry.ID, entry, c, testReceived); err == nil {
						mustEncode(t, ev)
					}
				}
			}
		}
	})
}

func mustEncode(t *testing.T, v any) {
	t.Helper()
	if _, err := json.Marshal(v); err != nil {
		t.Fatalf("the engine could not store %+v: %v", v, err)
	}
}
