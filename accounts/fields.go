package accounts

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEmailBytes is the longest address SMTP carries (RFC 5321's 254 for a forward path).
const maxEmailBytes = 254

// emailProblem says what keeps email (lower-cased, trimmed) from being a user's address, or
// "". An address is ASCII with a domain of dotted host labels, as Zod's email check holds
// it (the Node.js platform validated its input with Zod): invisible or lookalike characters
// would make a second
// "demo@whatsapp-saas.com" that reads like the first in every list, and an address without a
// real domain ("a@b", "a@[127.0.0.1]") reaches nobody. An internationalised domain is
// written in its ASCII form (xn--…).
func emailProblem(email string) string {
	for i := 0; i < len(email); i++ {
		if c := email[i]; c <= ' ' || c > '~' {
			return "must be written in ASCII letters, digits and punctuation"
		}
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > maxEmailBytes {
		return "must be a valid email address"
	}
	labels := strings.Split(email[strings.LastIndexByte(email, '@')+1:], ".")
	if len(labels) < 2 {
		return "must have a domain such as example.com"
	}
	for _, l := range labels {
		if !hostLabel(l) {
			return "must have a domain such as example.com"
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "must have a domain such as example.com"
	}
	return ""
}

// hostLabel reports whether l is a DNS host label: 1..63 letters, digits and inner hyphens.
func hostLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// maxNameRunes bounds user and tenant names.
const maxNameRunes = 100

// nameProblem says what keeps name (trimmed) from being a user's or a tenant's name, or "".
// Any script is a name; control characters and the bidirectional overrides and isolates are
// not: a NUL or a newline breaks whatever shows or logs the name, and a right-to-left
// override shows its text reversed ("Ana\u202egnp.exe" reads "Anaexe.png"). Zero-width
// joiners stay (emoji sequences, Persian and Indic names need them).
func nameProblem(name string) string {
	switch {
	case name == "":
		return "is required"
	case utf8.RuneCountInString(name) > maxNameRunes:
		return "must be at most 100 characters"
	case !utf8.ValidString(name):
		return "must be valid UTF-8"
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return "must not contain control characters"
		}
	}
	return ""
}
