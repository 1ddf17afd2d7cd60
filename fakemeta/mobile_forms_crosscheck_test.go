package fakemeta

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/phone"
)

// Numbers through fakemeta's reading of Brazil's ninth digit and Mexico's dropped mobile 1
// (formsOf) and the engine's (phone.LineKey and phone.OtherForm, which key its
// conversations): both must find the shapes the numbering plans give — the current shape
// first, then the older one WhatsApp may still use — and one shape for everything else.
// Where the engine reads otherwise and was left so, engineDiffers says why.
func TestMobileFormsAgreeWithEngine(t *testing.T) {
	cases := []struct {
		name, digits  string
		want          []string // current shape first; one entry for a number with one shape
		engineDiffers string
	}{
		{"São Paulo mobile", "5511987654321", []string{"5511987654321", "551187654321"}, ""},
		{"São Paulo mobile, without its 9", "551187654321", []string{"5511987654321", "551187654321"}, ""},
		{"Rio mobile starting 6", "5521967654321", []string{"5521967654321", "552167654321"}, ""},
		{"old mobile starting 7", "554171234567", []string{"5541971234567", "554171234567"}, ""},
		{"old mobile starting 9, last area code", "559999876543", []string{"5599999876543", "559999876543"}, ""},
		{"mobile issued with nine digits (9 then 0)", "5511900000001", []string{"5511900000001"}, ""},
		{"mobile issued with nine digits (9 then 4)", "5511941234567", []string{"5511941234567"}, ""},
		{"São Paulo 95 series: its 5 was a landline's too", "5511951234567", []string{"5511951234567"}, ""},
		{"landline", "551133334444", []string{"551133334444"}, ""},
		{"landline starting 5", "551151234567", []string{"551151234567"}, ""},
		{"nine digits not starting 9", "5511887654321", []string{"5511887654321"}, ""},
		{"area code with a 0", "551087654321", []string{"551087654321"}, ""},
		{"area code 20", "5520987654321", []string{"5520987654321"}, ""},
		{"too short", "55119876543", []string{"55119876543"}, ""},
		{"too long", "55119876543210", []string{"55119876543210"}, ""},
		{"unassigned area code 23", "5523987654321", []string{"5523987654321"},
			"the engine takes any two digits 1–9 as an area code; Anatel assigns 67 and 23 is not one (no real number, reported, not changed)"},
		{"unassigned area code 76, older shape", "557687654321", []string{"557687654321"},
			"the engine takes any two digits 1–9 as an area code; Anatel assigns 67 and 76 is not one (no real number, reported, not changed)"},
		{"Mexico City", "525512345678", []string{"525512345678", "5215512345678"}, ""},
		{"Mexico City with the old mobile 1", "5215512345678", []string{"525512345678", "5215512345678"}, ""},
		{"Puebla, three-digit area code", "522221234567", []string{"522221234567", "5212221234567"}, ""},
		{"Mexico: no area code starts with 1", "521234567890", []string{"521234567890"}, ""},
		{"Mexico: 1 then an area code starting 1", "5211234567890", []string{"5211234567890"}, ""},
		{"Mexico: eleven digits without the 1", "5225512345678", []string{"5225512345678"}, ""},
		{"Mexico: area code starting 0", "520123456789", []string{"520123456789"}, ""},
		{"Mexico: too short", "52551234567", []string{"52551234567"}, ""},
		{"United States", "16315551234", []string{"16315551234"}, ""},
		{"Argentina's mobile 9 is not touched", "5491156121008", []string{"5491156121008"}, ""},
		{"United Kingdom", "447700900456", []string{"447700900456"}, ""},
		{"with a plus", "+5511987654321", []string{"+5511987654321"}, ""},
		{"business-scoped user id", "BR.48120937561230984412", []string{"BR.48120937561230984412"}, ""},
		{"empty", "", []string{""}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fakemetaForms(tc.digits); !slices.Equal(got, tc.want) {
				t.Errorf("fakemeta reads %q as %q, want %q", tc.digits, got, tc.want)
			}
			engine := engineForms(tc.digits)
			switch agrees := slices.Equal(engine, tc.want); {
			case tc.engineDiffers == "" && !agrees:
				t.Errorf("engine reads %q as %q, want %q", tc.digits, engine, tc.want)
			case tc.engineDiffers != "" && agrees:
				t.Errorf("engine now agrees on %q (%s): drop engineDiffers", tc.digits, tc.engineDiffers)
			}
		})
	}
}

// fakemetaForms is the shapes fakemeta knows digits' user under: the key it keeps the
// user under (userKey), then the wa_id it answers with when it rewrites (metaWaID) if that
// differs; a disagreement with the shapes scoped injections match (sameUser) is appended.
func fakemetaForms(digits string) []string {
	forms := []string{userKey(digits)}
	if older := metaWaID(digits); older != forms[0] {
		forms = append(forms, older)
	}
	matched := slices.Sorted(slices.Values(sameUser(digits)))
	if !slices.Equal(matched, slices.Sorted(slices.Values(forms))) {
		return append(forms, "sameUser:"+strings.Join(matched, ","))
	}
	return forms
}

// engineForms is the shapes the engine keys digits' conversation under: its line key, then
// the other form data may be stored under.
func engineForms(digits string) []string {
	key := phone.LineKey(digits)
	if other := phone.OtherForm(key); other != "" {
		return []string{key, other}
	}
	return []string{key}
}
