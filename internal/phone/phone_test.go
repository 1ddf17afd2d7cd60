package phone

import "testing"

func TestDigitsAndE164(t *testing.T) {
	for _, tc := range []struct{ in, digits, e164 string }{
		{"+1 555-012-3456", "15550123456", "+15550123456"},
		{"5511987654321", "5511987654321", "+5511987654321"},
		{"(55) 11 98765-4321", "5511987654321", "+5511987654321"},
		{"", "", ""},
		{"no digits", "", ""},
	} {
		if got := Digits(tc.in); got != tc.digits {
			t.Errorf("Digits(%q) = %q, want %q", tc.in, got, tc.digits)
		}
		if got := E164(tc.in); got != tc.e164 {
			t.Errorf("E164(%q) = %q, want %q", tc.in, got, tc.e164)
		}
	}
}
