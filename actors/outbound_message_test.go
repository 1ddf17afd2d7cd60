package actors

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// SameRequest recognises a repeat of one API call: same tenant, conversation, validity of
// its own and Graph request, however the request addresses the customer; anything else is
// another message.
func TestSameRequest(t *testing.T) {
	const body = `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"},"biz_opaque_callback_data":"m1"}`
	stored := persistence.OutboxMessage{ID: "m1", TenantID: "t1", ConversationID: "t1_5511987654321", Request: []byte(body), CreatedAt: firstTry}
	for _, tc := range []struct {
		name string
		edit func(*persistence.OutboxMessage)
		same bool
	}{
		{"identical", func(*persistence.OutboxMessage) {}, true},
		{"addressed by user id now", func(m *persistence.OutboxMessage) {
			m.Request = []byte(`{"messaging_product":"whatsapp","recipient":"BR.123","type":"text","text":{"body":"hi"},"biz_opaque_callback_data":"m1"}`)
		}, true},
		{"members in another order", func(m *persistence.OutboxMessage) {
			m.Request = []byte(`{"type":"text","messaging_product":"whatsapp","text":{"body":"hi"},"to":"+5511987654321","biz_opaque_callback_data":"m1"}`)
		}, true},
		{"another body", func(m *persistence.OutboxMessage) {
			m.Request = []byte(`{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"bye"},"biz_opaque_callback_data":"m1"}`)
		}, false},
		{"a reply now", func(m *persistence.OutboxMessage) {
			m.Request = []byte(`{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"},"context":{"message_id":"wamid.X"},"biz_opaque_callback_data":"m1"}`)
		}, false},
		{"another conversation", func(m *persistence.OutboxMessage) { m.ConversationID = "t1_5511900000000" }, false},
		{"another tenant", func(m *persistence.OutboxMessage) { m.TenantID = "t2" }, false},
		{"not JSON", func(m *persistence.OutboxMessage) { m.Request = []byte("hi") }, false},
		{"repeated later", repeatedWith(0), true},
		{"repeated with a validFor", repeatedWith(100 * time.Second), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := stored
			tc.edit(&row)
			if got := SameRequest(stored, row); got != tc.same {
				t.Fatalf("SameRequest = %v, want %v", got, tc.same)
			}
		})
	}
}

// firstTry is when the first try of a call in TestSameRequest* was accepted.
var firstTry = time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)

// repeatedWith makes a row a repeat two minutes after firstTry with the API's validFor (0:
// none): its ExpiresAt counts from its own arrival.
func repeatedWith(validFor time.Duration) func(*persistence.OutboxMessage) {
	return func(m *persistence.OutboxMessage) {
		m.CreatedAt, m.ExpiresAt = firstTry.Add(2*time.Minute+123456789), time.Time{}
		if validFor > 0 {
			m.ExpiresAt = m.CreatedAt.Add(validFor)
		}
	}
}

// A send with validFor is repeated only with the same validFor, however much later; its
// ExpiresAt is then later, and an equal ExpiresAt means another validFor.
func TestSameRequestValidity(t *testing.T) {
	const body = `{"messaging_product":"whatsapp","to":"+5511987654321","type":"text","text":{"body":"hi"}}`
	accepted := firstTry.Add(987654321) // stored to the millisecond, as MongoDB keeps times
	stored := persistence.OutboxMessage{ID: "m1", TenantID: "t1", ConversationID: "t1_5511987654321", Request: []byte(body),
		CreatedAt: accepted.Truncate(time.Millisecond), ExpiresAt: accepted.Add(100 * time.Second).Truncate(time.Millisecond)}
	for _, tc := range []struct {
		name string
		edit func(*persistence.OutboxMessage)
		same bool
	}{
		{"the first try", func(m *persistence.OutboxMessage) { m.CreatedAt, m.ExpiresAt = accepted, accepted.Add(100*time.Second) }, true},
		{"the same validFor later", repeatedWith(100 * time.Second), true},
		{"no validFor", repeatedWith(0), false},
		{"another validFor", repeatedWith(101 * time.Second), false},
		{"the same expiry by another validFor", func(m *persistence.OutboxMessage) { m.CreatedAt = m.CreatedAt.Add(10 * time.Second) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := stored
			tc.edit(&row)
			if got := SameRequest(stored, row); got != tc.same {
				t.Fatalf("SameRequest = %v, want %v", got, tc.same)
			}
		})
	}
}

// StoredOutbound shows a message as its outbox row tells it: a send in flight is still
// queued; Meta's answer is sent with its wamid, or failed with its error.
func TestStoredOutbound(t *testing.T) {
	at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	row := persistence.OutboxMessage{ID: "m1", TenantID: "t1", ConversationID: "t1_1", CreatedAt: at,
		Request: []byte(`{"messaging_product":"whatsapp","to":"+1","type":"text","text":{"body":"hi"}}`)}
	for _, tc := range []struct {
		state  persistence.OutboxState
		wamid  string
		code   int
		status string
	}{
		{persistence.OutboxQueued, "", 0, StatusQueued},
		{persistence.OutboxSending, "", 0, StatusQueued},
		{persistence.OutboxSent, "wamid.A", 0, StatusSent},
		{persistence.OutboxFailed, "", 131026, StatusFailed},
		{persistence.OutboxUnknown, "", 0, StatusUnknown},
		// A resend being decided shows what the outbox showed before the failure.
		{persistence.OutboxRetryable, "wamid.A", 0, StatusSent},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			r := row
			r.State, r.WAMID, r.ErrorCode, r.ErrorTitle = tc.state, tc.wamid, tc.code, map[bool]string{true: "Message undeliverable"}[tc.code != 0]
			m, err := StoredOutbound(r)
			if err != nil {
				t.Fatal(err)
			}
			if m.ID != "m1" || m.Text != "hi" || m.Status != tc.status || m.WAMID != tc.wamid || !m.CreatedAt.Equal(at) ||
				(tc.code != 0) != (m.Error != nil) || (m.Error != nil && (m.Error.Code != tc.code || m.Error.Title == "")) {
				t.Fatalf("StoredOutbound = %+v (error %+v)", m, m.Error)
			}
		})
	}
}

// An outbound message previews like an inbound one: its text, an interactive body, a
// reaction's emoji, a caption, a file name, or its type in brackets; its type's object is
// its content.
func TestOutboundMessagePreview(t *testing.T) {
	for _, tc := range []struct{ request, text, content string }{
		{`{"type":"text","text":{"body":"oi"}}`, "oi", ""},
		{`{"type":"image","image":{"link":"https://x/a.jpg","caption":"Comprovante"}}`, "Comprovante", `{"link":"https://x/a.jpg","caption":"Comprovante"}`},
		{`{"type":"document","document":{"id":"1","filename":"nota.pdf"}}`, "nota.pdf", `{"id":"1","filename":"nota.pdf"}`},
		{`{"type":"sticker","sticker":{"id":"2"}}`, "[sticker]", `{"id":"2"}`},
		{`{"type":"interactive","interactive":{"type":"button"}}`, "[interactive]", `{"type":"button"}`},
		{`{"type":"interactive","interactive":{"type":"list","body":{"text":"Escolha um horário"}}}`, "Escolha um horário", `{"type":"list","body":{"text":"Escolha um horário"}}`},
		{`{"type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}}`, "👍", `{"message_id":"wamid.X","emoji":"👍"}`},
		{`{"type":"reaction","reaction":{"message_id":"wamid.X","emoji":""}}`, "[reaction removed]", `{"message_id":"wamid.X","emoji":""}`},
		{`{"type":"template","template":{"name":"order_shipped","language":{"code":"pt_BR"}}}`, "order_shipped (pt_BR)", `{"name":"order_shipped","language":{"code":"pt_BR"}}`},
	} {
		m, err := OutboundMessage("m1", []byte(tc.request), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != tc.text || string(m.Content) != tc.content {
			t.Errorf("%s: text %q content %s, want %q %s", tc.request, m.Text, m.Content, tc.text, tc.content)
		}
	}
}
