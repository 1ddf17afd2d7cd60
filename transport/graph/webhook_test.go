package graph

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/fixtures"
)

// Every webhook fixture parses, and every change decodes by its field.
func TestEveryWebhookFixtureParses(t *testing.T) {
	files := fixtures.Glob(t, "webhooks/*.json")
	if len(files) < 40 {
		t.Fatalf("only %d webhook fixtures found", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body := fixtures.Read(t, f)
			bodies := [][]byte{body}
			if strings.Contains(f, "sequence_") {
				var seq struct{ Deliveries []json.RawMessage }
				if err := json.Unmarshal(body, &seq); err != nil {
					t.Fatal(err)
				}
				bodies = bodies[:0]
				for _, d := range seq.Deliveries {
					bodies = append(bodies, d)
				}
			}
			for _, b := range bodies {
				w, err := ParseWebhook(b)
				if err != nil {
					t.Fatal(err)
				}
				if len(w.Entry) == 0 {
					t.Fatal("no entries")
				}
				for _, e := range w.Entry {
					for _, c := range e.Changes {
						decodeChange(t, c)
					}
				}
			}
		})
	}
}

// A messages value decodes item by item when one item does not: the others are kept and the
// odd one is named in Malformed. A value that is not an object, or whose metadata does not
// decode, cannot be routed at all and is an error. Every fixture decodes with no item left
// out (TestEveryWebhookFixtureParses).
func TestMessagesValueKeepsTheItemsThatDecode(t *testing.T) {
	for _, tc := range []struct {
		name, value   string
		messages      int
		statuses      int
		malformed     string
		wholeValueBad bool
	}{
		{"well formed", `{"metadata":{"phone_number_id":"1"},"messages":[{"id":"a","type":"text","text":{"body":"x"}}],"statuses":[{"id":"b","status":"read"}]}`, 1, 1, "", false},
		{"one odd message", `{"metadata":{"phone_number_id":"1"},"messages":[{"id":"a","type":"text","text":"x"},{"id":"b","type":"text","text":{"body":"y"}}]}`, 1, 0, "[messages[0] malformed", false},
		{"one odd status beside a message", `{"metadata":{"phone_number_id":"1"},"messages":[{"id":"a"}],"statuses":[{"id":"b","timestamp":"soon"},{"id":"c"}]}`, 1, 1, "[statuses[0] malformed", false},
		{"an odd contact", `{"metadata":{"phone_number_id":"1"},"contacts":[{"wa_id":5}],"messages":[{"id":"a"}]}`, 1, 0, "[contacts[0] malformed", false},
		{"metadata odd", `{"metadata":{"phone_number_id":1},"messages":[{"id":"a"}]}`, 0, 0, "", true},
		{"not an object", `[1,2]`, 0, 0, "", true},
		{"a list that is not one", `{"metadata":{"phone_number_id":"1"},"messages":{"id":"a"}}`, 0, 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Change{Field: FieldMessages, Value: json.RawMessage(tc.value)}.MessagesValue()
			if tc.wholeValueBad {
				if err == nil {
					t.Fatalf("decoded %+v, want an error", v)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(v.Malformed)
			if len(v.Messages) != tc.messages || len(v.Statuses) != tc.statuses || !strings.HasPrefix(got, tc.malformed) ||
				(tc.malformed == "" && len(v.Malformed) != 0) || v.Metadata.PhoneNumberID != "1" {
				t.Fatalf("messages %d, statuses %d, malformed %s", len(v.Messages), len(v.Statuses), got)
			}
		})
	}
}

func decodeChange(t *testing.T, c Change) {
	t.Helper()
	switch c.Field {
	case FieldMessages, FieldUserPreferences:
		v, err := c.MessagesValue()
		if err != nil {
			t.Fatal(err)
		}
		if v.Metadata.PhoneNumberID == "" || len(v.Malformed) > 0 {
			t.Fatalf("no phone_number_id, or items left out: %v", v.Malformed)
		}
		if len(v.Messages)+len(v.Statuses)+len(v.Errors)+len(v.UserPreferences) == 0 {
			t.Fatal("empty messages value")
		}
		for _, m := range v.Messages {
			if m.ID == "" || m.Timestamp == 0 || m.Type == "" || (m.From == "" && m.FromUserID == "") {
				t.Fatalf("message missing id/timestamp/type/sender: %+v", m)
			}
			if m.Preview() == "" {
				t.Fatalf("no preview for %s", m.Type)
			}
		}
		for _, s := range v.Statuses {
			if s.ID == "" || s.Status == "" || s.Timestamp == 0 {
				t.Fatalf("status incomplete: %+v", s)
			}
			if s.Status == StatusFailed && (len(s.Errors) == 0 || s.Errors[0].Code == 0) {
				t.Fatalf("failed status without error code: %+v", s)
			}
		}
	case FieldTemplateStatusUpdate:
		var v TemplateStatusUpdate
		if err := c.DecodeValue(&v); err != nil || v.Event == "" || v.MessageTemplateID == 0 {
			t.Fatalf("%v %+v", err, v)
		}
	case FieldTemplateCategoryUpdate:
		var v TemplateCategoryUpdate
		if err := c.DecodeValue(&v); err != nil || v.NewCategory == "" {
			t.Fatalf("%v %+v", err, v)
		}
	case FieldPhoneNumberQualityUpdate:
		var v PhoneNumberQualityUpdate
		if err := c.DecodeValue(&v); err != nil || v.Event == "" || v.DisplayPhoneNumber == "" {
			t.Fatalf("%v %+v", err, v)
		}
	case FieldBusinessCapabilityUpdate:
		var v BusinessCapabilityUpdate
		if err := c.DecodeValue(&v); err != nil || v.MaxDailyConversationsPerBusiness == "" {
			t.Fatalf("%v %+v", err, v)
		}
	case FieldAccountUpdate:
		var v AccountUpdate
		if err := c.DecodeValue(&v); err != nil || v.Event == "" {
			t.Fatalf("%v %+v", err, v)
		}
	default:
		t.Fatalf("fixture uses field %q the engine does not know", c.Field)
	}
}

func TestSpecificShapes(t *testing.T) {
	messages := func(name string) *MessagesValue {
		w, err := ParseWebhook(fixtures.Read(t, "webhooks/"+name))
		if err != nil {
			t.Fatal(err)
		}
		v, err := w.Entry[0].Changes[0].MessagesValue()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := messages("inbound_text_bsuid_no_phone.json"); v.Contacts[0].WaID != "" || v.Contacts[0].UserID == "" || v.Messages[0].FromUserID == "" {
		t.Fatalf("bsuid: %+v", v)
	}
	if v := messages("inbound_reaction_removed.json"); v.Messages[0].Reaction == nil || v.Messages[0].Reaction.Emoji != "" {
		t.Fatalf("reaction removed: %+v", v.Messages[0].Reaction)
	}
	if v := messages("inbound_text_reply_context.json"); v.Messages[0].Context == nil || v.Messages[0].Context.ID == "" {
		t.Fatal("reply context lost")
	}
	if v := messages("inbound_audio_voice.json"); !v.Messages[0].Audio.Voice {
		t.Fatal("voice flag lost")
	}
	if v := messages("status_failed_131047.json"); v.Statuses[0].Errors[0].Code != 131047 {
		t.Fatal("error code lost")
	}
	if v := messages("webhook_value_errors.json"); len(v.Errors) != 1 || v.Errors[0].Code != 131000 {
		t.Fatalf("value errors: %+v", v.Errors)
	}
	if v := messages("inbound_text_referral_ctwa.json"); len(v.Messages[0].Referral) == 0 {
		t.Fatal("referral lost")
	}
	if _, err := ParseWebhook([]byte(`{"object":"page","entry":[]}`)); err == nil {
		t.Fatal("accepted a non-WhatsApp object")
	}
}

// Each message keeps its bytes as Meta sent them, so the type-specific member can be stored
// without decoding the change twice.
func TestMessageKeepsItsRawBytes(t *testing.T) {
	w, err := ParseWebhook(fixtures.Read(t, "webhooks/inbound_location.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := w.Entry[0].Changes[0].MessagesValue()
	if err != nil {
		t.Fatal(err)
	}
	m := v.Messages[0]
	var back map[string]json.RawMessage
	if err := json.Unmarshal(m.Raw, &back); err != nil || len(back["location"]) == 0 || m.Location == nil || m.Location.Latitude == 0 {
		t.Fatalf("raw %s, decoded %+v, err %v", m.Raw, m.Location, err)
	}
}
