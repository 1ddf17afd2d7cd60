package phone

// LineKey is the one key for the two forms of the same WhatsApp number that Meta uses
// interchangeably (WHATSAPP.md §2: "Brazil/Mexico numbers may be rewritten by the API (9th
// digit / 1 prefix)"): a send to one form may answer, report statuses and receive replies
// under the other, so every conversation key derived from a number goes through here.
//
// The key is the number as it is dialled today (E.164):
//   - Brazil: a mobile is 55, a two-digit area code and 9 + 8 digits starting 6–9; an older
//     wa_id leaves the 9 out (55 + area + 8 digits, 12 digits), and gets it back.
//   - Mexico: a number is 52 + 10 digits; wa_ids keep the mobile 1 Mexico dropped in 2019
//     (521 + 10 digits, 13 digits), which is taken out.
//
// Anything else (other countries, Brazilian landlines, malformed or partial numbers,
// business-scoped user ids) is returned as it is.
func LineKey(waID string) string {
	if !allDigits(waID) {
		return waID
	}
	switch {
	case len(waID) == 12 && waID[:2] == "55" && brazilArea(waID[2:4]) && mobileStart(waID[4]):
		return waID[:4] + "9" + waID[4:]
	case len(waID) == 13 && waID[:3] == "521" && waID[3] >= '2':
		return "52" + waID[3:]
	}
	return waID
}

// OtherForm is the form Meta may use for a line key's number besides the key itself: a
// Brazilian mobile without its ninth digit, a Mexican number with the old mobile 1; "" for
// numbers with one form only. Data keyed before LineKey may be stored under it.
func OtherForm(lineKey string) string {
	d := lineKey
	switch {
	case !allDigits(d):
	case len(d) == 13 && d[:2] == "55" && brazilArea(d[2:4]) && d[4] == '9' && mobileStart(d[5]):
		return d[:4] + d[5:]
	case len(d) == 12 && d[:2] == "52" && d[2] >= '2':
		return "521" + d[2:]
	}
	return ""
}

// brazilArea reports whether two digits can be a Brazilian area code (11–99: none starts
// with 0, and none ends with 0).
func brazilArea(a string) bool { return a[0] >= '1' && a[1] >= '1' }

// mobileStart reports whether a Brazilian subscriber number starting with d is a mobile's
// (6–9; landlines start 2–5).
func mobileStart(d byte) bool { return d >= '6' && d <= '9' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
