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

// Bounds of a plausible time stated by Meta. Meta stamps an event when WhatsApp saw it and
// sends it afterwards (retrying for up to 7 days), so its time lies between WhatsApp's birth
// and the webhook's arrival. A time outside them is a unit error (milliseconds read as
// seconds), a broken clock or a forged body signed with a leaked secret, and it is harmful
// as such: one past year 9999 cannot be encoded, so the conversation holding it could never
// be written again, and one years ahead would keep a customer-service window open and win
// every "newest preference wins" comparison until then.
var earliestMetaTime = time.Date(2009, time.January, 1, 0, 0, 0, 0, time.UTC) // WhatsApp's founding

// maxAheadOfReceipt is how far past its webhook's arrival a stated time may lie: a day covers
// any clock skew between Meta and us (and a time-zone mistake on either side) with room to
// spare, while staying far from what a window or an ordering could be fooled by for long.
const maxAheadOfReceipt = 24 * time.Hour

// At is the stated time of an event whose webhook was received at received: zero when Meta
// stated none, received when the stated time is implausible (before 2009 or more than a day
// after receipt), else the stated time in UTC.
func (t Timestamp) At(received time.Time) time.Time {
	if t == 0 {
		return time.Time{}
	}
	if int64(t) < earliestMetaTime.Unix() || int64(t) > received.Add(maxAheadOfReceipt).Unix() {
		return received.UTC()
	}
	return time.Unix(int64(t), 0).UTC()
}

// latestFlexTime bounds the dates FlexTime reads (expirations, scheduled changes: they may
// lie years ahead, unlike event times): the last second a JSON time can encode.
var latestFlexTime = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC)

// FlexTime is an optional date Meta writes in more than one form: Unix seconds as a number
// or a string (its docs), or an ISO 8601 date with a "+0000" offset (account_update's
// restriction expiration, as WATI and Zernio document it arriving) or RFC 3339. It never
// fails to decode: anything else leaves it zero and keeps the text (Unparsed), so one odd
// optional field cannot make its event undecodable. A date before 2009 or past year 9999 is
// kept as text too: no store could encode the latter, and neither is a date Meta means.
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
	if t, ok := parseFlexTime(s); ok && !t.Before(earliestMetaTime) && !t.After(latestFlexTime) {
		f.t = t
		return nil
	}
	f.unparsed = s // not a date, or an implausible one (milliseconds): never stored as a time
	return nil
}

func parseFlexTime(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < earliestMetaTime.Unix() || n > latestFlexTime.Unix() {
			return time.Time{}, false // and time.Unix could overflow
		}
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Second), true // Meta counts in seconds; so does MarshalJSON
		}
	}
	return time.Time{}, false
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
