package actors

import (
	"strings"
	"testing"
)

// A template may start a conversation only with a key Meta can address: a phone number in
// E.164 (without +) or a business-scoped user id. Webhooks' other keys stay readable.
func TestRecipientKey(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"5511987654321", true}, {"447911123456", true}, {"6834001", true}, {"123456789012345", true},
		{"US.13491208655302741918", true}, {"BR.48120937561230984412", true}, {"BR.a1", true},
		{"abc", false}, {"123456", false}, {"1234567890123456", false}, {"+5511987654321", false},
		{"abc.def", false}, {"br.123", false}, {"BRA.123", false}, {"BR.", false}, {"BR.12.3", false},
		{"BR.x" + strings.Repeat("1", 128), false}, {"BR." + strings.Repeat("1", 128), true}, {"", false},
	} {
		if got := RecipientKey(tc.key); got != tc.ok {
			t.Errorf("RecipientKey(%q) = %v, want %v", tc.key, got, tc.ok)
		}
		if _, _, ok := ParseConversationID(ConversationID("0123456789abcdef01234567", tc.key)); tc.ok && !ok {
			t.Errorf("ParseConversationID refuses %q, a recipient key", tc.key)
		}
	}
}

// The two forms Meta uses for a Brazilian or Mexican mobile name one conversation: the id
// parses to the number's line key; other keys are kept as written.
func TestParseConversationIDLineKey(t *testing.T) {
	const tenant = "0123456789abcdef01234567"
	for _, tc := range []struct{ key, want string }{
		{"551187654321", "5511987654321"}, {"5511987654321", "5511987654321"},
		{"5215512345678", "525512345678"}, {"525512345678", "525512345678"},
		{"551133334444", "551133334444"}, {"447911123456", "447911123456"}, {"BR.48120937561230984412", "BR.48120937561230984412"},
	} {
		gotTenant, key, ok := ParseConversationID(ConversationID(tenant, tc.key))
		if !ok || gotTenant != tenant || key != tc.want {
			t.Errorf("ParseConversationID(%s_%s) = %s, %s, %v; want key %s", tenant, tc.key, gotTenant, key, ok, tc.want)
		}
	}
}
