package phone

import "testing"

func TestLineKey(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"BR mobile with its ninth digit", "5511987654321", "5511987654321"},
		{"BR mobile without it, as some wa_ids are", "551187654321", "5511987654321"},
		{"BR mobile starting 6, without", "552167654321", "5521967654321"},
		{"BR landline is never a mobile", "551133334444", "551133334444"},
		{"BR landline starting 5", "551155554444", "551155554444"},
		{"BR 13 digits without a 9 after the area", "5511887654321", "5511887654321"},
		{"BR 13 digits, 9 then a landline digit", "5511923334444", "5511923334444"},
		{"BR area code 0x is no area", "550187654321", "550187654321"},
		{"MX as dialled today", "525512345678", "525512345678"},
		{"MX with the old mobile 1, as wa_ids are", "5215512345678", "525512345678"},
		{"MX 52 1 and an area starting 0 or 1", "5210512345678", "5210512345678"},
		{"MX 12 digits starting 521 is not a 1-prefixed number", "521551234567", "521551234567"},
		{"US untouched", "15550123456", "15550123456"},
		{"UK untouched", "447700900123", "447700900123"},
		{"India untouched", "916315551234", "916315551234"},
		{"BR too short", "5511876543", "5511876543"},
		{"BR too long", "55119876543210", "55119876543210"},
		{"MX too short", "5255123456", "5255123456"},
		{"empty", "", ""},
		{"business-scoped user id", "BR.13491208655302741918", "BR.13491208655302741918"},
		{"not digits", "55119876543x1", "55119876543x1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LineKey(tc.in); got != tc.want {
				t.Errorf("LineKey(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := LineKey(LineKey(tc.in)); got != tc.want {
				t.Errorf("LineKey is not idempotent on %q: %q", tc.in, got)
			}
		})
	}
}

// OtherForm gives the form of a line key's number that LineKey maps back to the key, and
// nothing for numbers with one form.
func TestOtherForm(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"5511987654321", "551187654321"}, {"5521967654321", "552167654321"},
		{"525512345678", "5215512345678"},
		{"551133334444", ""}, {"5511923334444", ""}, {"5511887654321", ""}, {"15550123456", ""},
		{"447700900123", ""}, {"", ""}, {"BR.123", ""}, {"52155123456", ""},
	} {
		got := OtherForm(tc.key)
		if got != tc.want {
			t.Errorf("OtherForm(%q) = %q, want %q", tc.key, got, tc.want)
		}
		if got != "" && LineKey(got) != tc.key {
			t.Errorf("LineKey(OtherForm(%q)) = %q", tc.key, LineKey(got))
		}
	}
}
