package graph

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// Timestamp is a Unix time in seconds. Meta writes message and status timestamps as strings
// ("1767225600") and most other timestamps as numbers; both decode here.
type Timestamp int64

// UnmarshalJSON accepts "123", 123, null and "".
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*t = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("graph: timestamp %q: %w", b, err)
	}
	*t = Timestamp(n)
	return nil
}

// Time converts to UTC time; zero stays the zero time.
func (t Timestamp) Time() time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(int64(t), 0).UTC()
}

// FlexTime is an optional date Meta writes in more than one form: Unix seconds as a number
// or a string (its docs), or an ISO 8601 date with a "+0000" offset (account_update's
// restriction expiration, as WATI and Zernio document it arriving) or RFC 3339. It never
// fails to decode: anything else leaves it zero and keeps the text (Unparsed), so one odd
// optional field cannot make its event undecodable.
type FlexTime struct {
	t        time.Time
	unparsed string
}

// isoLayouts are the ISO 8601 forms FlexTime reads; fractional seconds parse with each.
var isoLayouts = []string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02"}

// UnmarshalJSON accepts any JSON value; see FlexTime.
func (f *FlexTime) UnmarshalJSON(b []byte) error {
	*f = FlexTime{}
	s := string(b)
	if u, err := strconv.Unquote(s); err == nil {
		s = u
	}
	if s == "" || s == "null" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		f.t = Timestamp(n).Time()
		return nil
	}
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			f.t = t.UTC().Truncate(time.Second) // Meta counts in seconds; so does MarshalJSON
			return nil
		}
	}
	f.unparsed = s
	return nil
}

// MarshalJSON writes Unix seconds, the unparsed text as it came, or null, so a re-encoded
// value decodes to the same FlexTime.
func (f FlexTime) MarshalJSON() ([]byte, error) {
	switch {
	case !f.t.IsZero():
		return strconv.AppendInt(nil, f.t.Unix(), 10), nil
	case f.unparsed != "":
		return []byte(strconv.Quote(f.unparsed)), nil
	}
	return []byte("null"), nil
}

// Time is the date in UTC; zero when absent or unparsed.
func (f FlexTime) Time() time.Time { return f.t }

// Unparsed is the text that was not a date ("" when it was one or was absent).
func (f FlexTime) Unparsed() string { return f.unparsed }

// FlexString decodes a JSON string or number as a string: business_capability_update
// documents its limits as integers, shows them as "TIER_2K", and its example uses 2000.
type FlexString string

// UnmarshalJSON accepts a string, a number or null.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		u, err := strconv.Unquote(string(b))
		if err != nil {
			return fmt.Errorf("graph: string %s: %w", b, err)
		}
		*s = FlexString(u)
		return nil
	}
	if string(b) == "null" {
		*s = ""
		return nil
	}
	*s = FlexString(b)
	return nil
}
