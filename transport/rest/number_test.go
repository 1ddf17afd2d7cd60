package rest

import "testing"

// A page, a limit or a message cursor is digits only: a sign, spaces or an exponent are
// refused (strconv.Atoi alone took "+5" as 5, so "limit=+5" listed five).
func TestWholeNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true},
		{"5", 5, true},
		{"007", 7, true},
		{"10000000", 10000000, true},
		{"", 0, false},
		{"+5", 0, false},
		{"-1", 0, false},
		{"-0", 0, false},
		{" 5", 0, false},
		{"5 ", 0, false},
		{"5.0", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"٣", 0, false}, // an Arabic-Indic digit: not ASCII
		{"99999999999999999999", 0, false},
	} {
		n, ok := wholeNumber([]byte(tc.in))
		if ok != tc.ok || (ok && n != tc.want) {
			t.Errorf("wholeNumber(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.want, tc.ok)
		}
	}
}
