package fakemeta

import (
	"strings"

	"github.com/switchboard/switchboard/internal/phone"
)

// countryCode is the calling code a number in digits starts with. Meta prepends the
// business number's calling code to a to without + (WHATSAPP.md §2: an India business
// sending (631) 555-1234 reaches +916315551234). The code is chosen by ITU's numbering
// plan, which makes codes prefix-free: 1 (NANP) and 7 alone, the two-digit codes listed
// below, and three digits for everything else. It holds for every assigned code; only a
// few unassigned ranges would be read one digit too long, which no test number uses.
func countryCode(digits string) string {
	switch {
	case digits == "":
		return ""
	case digits[0] == '1' || digits[0] == '7':
		return digits[:1]
	case len(digits) >= 2 && strings.Contains(twoDigitCodes, "|"+digits[:2]+"|"):
		return digits[:2]
	}
	return digits[:min(3, len(digits))]
}

// twoDigitCodes are ITU's two-digit country calling codes.
const twoDigitCodes = "|20|27|30|31|32|33|34|36|39|40|41|43|44|45|46|47|48|49|51|52|53|54|55|56|57|58|" +
	"60|61|62|63|64|65|66|81|82|84|86|90|91|92|93|94|95|98|"

// waIDOf is the wa_id Meta derives from to: its digits, after the business number's
// calling code when to has no +.
func waIDOf(to, businessDisplay string) string {
	d := phone.Digits(to)
	if strings.HasPrefix(strings.TrimSpace(to), "+") {
		return d
	}
	return countryCode(phone.Digits(businessDisplay)) + d
}
