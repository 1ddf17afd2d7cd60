package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration also written as the Node.js platform wrote JWT_EXPIRES_IN
// (jsonwebtoken reads it with the ms package): a number, an optional space and a unit in
// any case, long or short ("7d", "1w", "7 days", "12 hours", "1.5d"), beside Go's own forms
// ("12h", "1h30m").
type Duration time.Duration

// msUnits are the ms package's units. A bare number has none and is refused: jsonwebtoken
// read "3600" as 3.6 seconds from a string and as an hour from a number.
var msUnits = map[string]time.Duration{
	"ms": time.Millisecond, "msec": time.Millisecond, "msecs": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	"y": 8766 * time.Hour, "yr": 8766 * time.Hour, "yrs": 8766 * time.Hour, "year": 8766 * time.Hour, "years": 8766 * time.Hour,
}

// UnmarshalText parses "7d", "1w", "7 days", "12h", "90m", "1h30m".
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if v, err := time.ParseDuration(s); err == nil {
		*d = Duration(v)
		return nil
	}
	num := strings.TrimRight(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ")
	unit, ok := msUnits[strings.ToLower(strings.TrimSpace(s[len(num):]))]
	n, err := strconv.ParseFloat(num, 64)
	switch {
	case num == "" || num[0] < '0' || num[0] > '9' || err != nil:
		return fmt.Errorf("%q is not a duration like 7d, 12h or 30m", s)
	case !ok:
		return fmt.Errorf("%q has no unit such as d, h, m or s (or days, hours, minutes, seconds, weeks)", s)
	case n*float64(unit) > math.MaxInt64:
		return fmt.Errorf("%q is longer than a duration holds (about 292 years)", s)
	}
	*d = Duration(time.Duration(n * float64(unit)))
	return nil
}

// Std returns the time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }
