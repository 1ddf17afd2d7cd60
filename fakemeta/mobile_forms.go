package fakemeta

import "strings"

// Two countries changed the shape of their mobile numbers while WhatsApp already had
// users on them, and Meta still knows each such user under both shapes (WHATSAPP.md §2:
// the API may answer, report and deliver replies under either):
//
//   - Brazil (Anatel, 2012–2016, area by area) put a 9 in front of every mobile's eight
//     digits. Before that, mobiles were the eight-digit numbers starting 6, 7, 8 or 9 —
//     landlines start 2 to 5 and kept eight digits — so only a 9 followed by one of those
//     has an older shape. Newer mobiles (9 then 0–5) were issued with nine digits and never
//     had one.
//   - Mexico (IFT, 3 August 2019) dropped the 1 that callers from abroad dialled between 52
//     and a mobile's ten digits; WhatsApp ids of older accounts kept it. No Mexican area
//     code starts with 0 or 1, and a number does not tell a mobile from a landline, so
//     every ten-digit Mexican number has the second shape.
//
// This is fakemeta's own reading of those plans; the engine's (internal/phone.LineKey) is
// checked against it in mobile_forms_crosscheck_test.go.

// mobileForms are the two shapes of one such user's number, in digits with the country
// code.
type mobileForms struct {
	current string // as dialled today: Brazil 55 + area + 9 digits, Mexico 52 + 10 digits
	older   string // as WhatsApp may still know it: Brazil 55 + area + 8, Mexico 521 + 10
}

// formsOf reads digits (a wa_id, or the digits of a to) as a Brazilian mobile or a
// Mexican number in either shape; false for anything else, a business-scoped user id
// included.
func formsOf(digits string) (mobileForms, bool) {
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return mobileForms{}, false
	}
	if national, ok := strings.CutPrefix(digits, "55"); ok {
		return brazilianForms(national)
	}
	if national, ok := strings.CutPrefix(digits, "52"); ok {
		return mexicanForms(national)
	}
	return mobileForms{}, false
}

// brazilianForms reads a national number, area code then subscriber, as a mobile's.
func brazilianForms(national string) (mobileForms, bool) {
	if len(national) < 2 || !strings.Contains(brazilianAreas, " "+national[:2]+" ") {
		return mobileForms{}, false
	}
	area, subscriber := national[:2], national[2:]
	if len(subscriber) == 9 {
		var added bool
		if subscriber, added = strings.CutPrefix(subscriber, "9"); !added {
			return mobileForms{}, false
		}
	}
	if len(subscriber) != 8 || !strings.ContainsRune("6789", rune(subscriber[0])) {
		return mobileForms{}, false
	}
	return mobileForms{current: "55" + area + "9" + subscriber, older: "55" + area + subscriber}, true
}

// brazilianAreas are Anatel's 67 area codes (DDD); the other two-digit codes are unassigned.
const brazilianAreas = " 11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38" +
	" 41 42 43 44 45 46 47 48 49 51 53 54 55 61 62 63 64 65 66 67 68 69" +
	" 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99 "

// mexicanForms reads a national number, with or without the old mobile 1, as ten digits
// starting with an area code (2–9).
func mexicanForms(national string) (mobileForms, bool) {
	if len(national) == 11 {
		var hadOne bool
		if national, hadOne = strings.CutPrefix(national, "1"); !hadOne {
			return mobileForms{}, false
		}
	}
	if len(national) != 10 || national[0] < '2' {
		return mobileForms{}, false
	}
	return mobileForms{current: "52" + national, older: "521" + national}, true
}

// userKey is the key a user's window, pair limit and profile are kept under: the current
// shape of a Brazilian mobile or Mexican number, because Meta knows both shapes as one user
// — a user who wrote as 5511987654321 is inside the window of a reply Meta addresses to
// 551187654321 (Config.RewriteWaIDs), and both shapes share one pair limit. A BSUID or
// any other number is its own key.
func userKey(key string) string {
	if f, ok := formsOf(key); ok {
		return f.current
	}
	return key
}

// metaWaID is the wa_id Meta may answer a send to d with when it rewrites (WHATSAPP.md
// §2): the older shape of a Brazilian mobile or Mexican number, whichever shape d has.
// Other numbers are returned as they are.
func metaWaID(d string) string {
	if f, ok := formsOf(d); ok {
		return f.older
	}
	return d
}

// sameUser is every key a user's number may be written under, key first: both shapes of
// a Brazilian mobile or Mexican number, key alone otherwise.
func sameUser(key string) []string {
	f, ok := formsOf(key)
	switch {
	case !ok:
		return []string{key}
	case key == f.current:
		return []string{key, f.older}
	}
	return []string{key, f.current}
}
