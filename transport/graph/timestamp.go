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
