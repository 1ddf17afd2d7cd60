package graph

import (
	"testing"
	"time"

	json "github.com/goccy/go-json"
)

// An optional date decodes from every form it is known to arrive in — Unix seconds as a
// number or a string (Meta's docs), ISO 8601 with a "+0000" offset (WATI and Zernio show
// account_update's restriction expiration so) or RFC 3339 — and anything else decodes too:
// zero, with the text kept, never an error that would drop the event around it.
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
