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
