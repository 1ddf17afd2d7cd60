// Package phone normalises phone numbers as Meta and the API write them.
package phone

// Digits keeps only the digits of a phone number ("+1 555-012 3456" → "15550123456"): the
// shape of a wa_id and of webhooks' display numbers.
func Digits(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// E164 writes a phone number as API.md writes every one, + and digits (Meta's
// display_phone_number comes formatted, "+1 555-012-3456"); "" when it has no digits.
func E164(s string) string {
	if d := Digits(s); d != "" {
		return "+" + d
	}
	return ""
}
