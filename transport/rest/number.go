package rest

import "strconv"

// wholeNumber reads a query parameter meant as a whole number: ASCII digits only. strconv.Atoi
// also takes a sign ("+5", "-0"), which no client writing a page number means, and an API
// that accepts "+5" once is held to it; anything but digits is refused with the parameter's
// rule instead. Values beyond int are refused too (Atoi's range error).
func wholeNumber(v []byte) (int, bool) {
	if len(v) == 0 {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(string(v))
	return n, err == nil
}
