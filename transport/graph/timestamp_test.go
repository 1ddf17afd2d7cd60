package graph

import (
	"testing"
	"time"

	json "github.com/goccy/go-json"
)

// An optional date decodes from every form it is known to arrive in — Unix seconds as a
// number or a string (Meta's docs), ISO 8601 with a "+0000" offset (WATI and Zernio show
// account_update's restriction expiration so) or RFC 3339 — and anything else decodes too:
// zero, with the text kept, never an error that would drop the event around it. So does a
// date before 2009 or past year 9999, which no store could encode.
func TestFlexTimeDecodesLeniently(t *testing.T) {
	expires := time.Date(2026, 4, 19, 13, 59, 20, 0, time.UTC)
	cases := []struct {
		json     string
		want     time.Time
		unparsed string
	}{
		{`1776607160`, expires, ""},
		{`"1776607160"`, expires, ""},
		{`"2026-04-19T13:59:20+0000"`, expires, ""},
		{`"2026-04-19T16:59:20+0300"`, expires, ""},
		{`"2026-04-19T13:59:20Z"`, expires, ""},
		{`"2026-04-19T13:59:20.250+00:00"`, expires, ""},
		{`null`, time.Time{}, ""},
		{`""`, time.Time{}, ""},
		{`"next tuesday"`, time.Time{}, "next tuesday"},
		{`{"seconds":1}`, time.Time{}, `{"seconds":1}`},
		{`true`, time.Time{}, "true"},
		{`253402300800`, time.Time{}, "253402300800"},     // past year 9999: no store encodes it
		{`"1776607160000"`, time.Time{}, "1776607160000"}, // milliseconds
		{`-9223372036854775808`, time.Time{}, "-9223372036854775808"},
		{`"1970-01-02"`, time.Time{}, "1970-01-02"}, // before WhatsApp
	}
	for _, tc := range cases {
		t.Run(tc.json, func(t *testing.T) {
			var v struct {
				Expiration FlexTime `json:"expiration"`
				Type       string   `json:"restriction_type"`
			}
			err := json.Unmarshal([]byte(`{"expiration":`+tc.json+`,"restriction_type":"RESTRICTED_ADD_PHONE_NUMBER_ACTION"}`), &v)
			if err != nil {
				t.Fatal(err)
			}
			got := v.Expiration.Time()
			if !got.Equal(tc.want) || (!got.IsZero() && got.Location() != time.UTC) || v.Expiration.Unparsed() != tc.unparsed || v.Type == "" {
				t.Fatalf("got %v (unparsed %q, type %q), want %v (unparsed %q)", got, v.Expiration.Unparsed(), v.Type, tc.want, tc.unparsed)
			}
			var again FlexTime
			if b, err := json.Marshal(v.Expiration); err != nil || json.Unmarshal(b, &again) != nil || again != v.Expiration {
				t.Fatalf("re-encoded as %s (%v), decoded as %+v", b, err, again)
			}
		})
	}
}

// A time Meta states is taken as stated when plausible, and replaced by the webhook's arrival
// when not: before WhatsApp existed, more than a day ahead of arrival (a millisecond
// timestamp read as seconds), or past year 9999, which no store can encode and which would
// make its conversation unwritable.
func TestTimestampAtKeepsOnlyPlausibleTimes(t *testing.T) {
	received := time.Date(2026, 1, 1, 12, 0, 0, 0, time.FixedZone("BRT", -3*3600))
	stated := func(ts Timestamp) time.Time { return time.Unix(int64(ts), 0).UTC() }
	for _, tc := range []struct {
		name string
		ts   Timestamp
		want time.Time
	}{
		{"absent", 0, time.Time{}},
		{"an hour before arrival", Timestamp(received.Add(-time.Hour).Unix()), stated(Timestamp(received.Add(-time.Hour).Unix()))},
		{"a week before arrival (Meta's retries)", Timestamp(received.Add(-7 * 24 * time.Hour).Unix()), stated(Timestamp(received.Add(-7 * 24 * time.Hour).Unix()))},
		{"a day ahead (clock skew)", Timestamp(received.Add(24 * time.Hour).Unix()), stated(Timestamp(received.Add(24 * time.Hour).Unix()))},
		{"more than a day ahead", Timestamp(received.Add(25 * time.Hour).Unix()), received.UTC()},
		{"milliseconds", Timestamp(received.UnixMilli()), received.UTC()},
		{"past year 9999", 253402300800, received.UTC()},
		{"largest int64", 1<<63 - 1, received.UTC()},
		{"before 2009", 1230767999, received.UTC()},
		{"negative", -62135596801, received.UTC()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.ts.At(received)
			if !got.Equal(tc.want) || (!got.IsZero() && got.Location() != time.UTC) {
				t.Fatalf("At = %v, want %v", got, tc.want)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Fatalf("At gave a time no store can encode: %v", err)
			}
		})
	}
}
