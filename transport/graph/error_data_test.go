package graph

import (
	"context"
	"errors"
	"testing"
)

// Graph does not always send error_data as an object: some errors carry it as a string
// holding JSON (Meta's own SDKs decode it either way). The code must not be lost with it:
// a 130429 misread as an unparsed 400 fails a message that should have been retried, a 190
// misread never asks the tenant to re-authorise.
func TestClientErrorDataShapes(t *testing.T) {
	g := startGraphServer(t)
	c := newTestClient(t, g.url)
	cases := []struct {
		name    string
		status  int
		body    string
		code    int
		class   ErrorClass
		details string
	}{
		{"error_data as a JSON string", 400,
			`{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,` +
				`"error_data":"{\"messaging_product\":\"whatsapp\",\"details\":\"Cloud API message throughput has been reached.\"}",` +
				`"fbtrace_id":"A7x1"}}`,
			130429, RetryThroughput, "Cloud API message throughput has been reached."},
		{"error_data as plain text", 401,
			`{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463,` +
				`"error_data":"Session has expired","fbtrace_id":"K7l8"}}`,
			190, Reauth, "Session has expired"},
		{"error_data with other fields", 400,
			`{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,` +
				`"error_data":{"messaging_product":"whatsapp","details":"bad name","blame_field_specs":[["name"]]},"fbtrace_id":"I5j6"}}`,
			100, Fail, "bad name"},
		{"error_data null", 500,
			`{"error":{"message":"(#131000) Something went wrong","type":"OAuthException","code":131000,"error_data":null}}`,
			131000, RetryTransient, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g.reply(tc.status, []byte(tc.body))
			_, err := c.SendMessage(context.Background(), tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("want *APIError, got %T %v", err, err)
			}
			if !apiErr.Parsed || apiErr.Code != tc.code || apiErr.Class() != tc.class || apiErr.Details != tc.details {
				t.Fatalf("parsed %v code %d class %v details %q; want code %d class %v details %q",
					apiErr.Parsed, apiErr.Code, apiErr.Class(), apiErr.Details, tc.code, tc.class, tc.details)
			}
			if IsMaybeSent(err) {
				t.Fatalf("Meta's own error answer counted as maybe sent: %v", err)
			}
		})
	}
}
