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
						mustEncode(t, toMessage(m, m.Raw))
					}
					for i := range v.Statuses {
						s := &v.Statuses[i]
						_ = findContact(v.Contacts, s.RecipientID, s.RecipientUserID)
						mustEncode(t, toStatus(s))
					}
				default:
					if ev, err := tenantEvent(slog.New(slog.DiscardHandler), entry.ID, entry, c); err == nil {
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
