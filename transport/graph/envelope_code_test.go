package graph

import (
	"context"
	"errors"
	"testing"
)

// Meta's error envelope always carries a numeric code (0 included). A body shaped like it
// without one comes from something between us and Graph (a gateway that words its own
// errors as {"error":{"message":…}}), and a 5xx of it may have passed the send on: it is
// classified by HTTP status, maybe sent, not as Meta's code 0 (a definite refusal that
// pauses the tenant's sends).
func TestClientEnvelopeWithoutCode(t *testing.T) {
	g := startGraphServer(t)
	c := newTestClient(t, g.url)
	cases := []struct {
		status    int
		body      string
		parsed    bool
		class     ErrorClass
		maybeSent bool
	}{
		{502, `{"error":{"message":"upstream request timeout","type":"gateway"}}`, false, RetryTransient, true},
		{504, `{"error":{"message":"timeout","code":null}}`, false, RetryTransient, true},
		{400, `{"error":{"message":"bad request"}}`, false, Fail, false},
		{401, `{"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":0}}`, true, PauseTenant, false},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			g.reply(tc.status, []byte(tc.body))
			_, err := c.SendMessage(context.Background(), tokenA, pnID, NewMessage("+5511987654321").WithText("hi"))
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("want *APIError, got %T %v", err, err)
			}
			if apiErr.Parsed != tc.parsed || ClassOf(err) != tc.class || IsMaybeSent(err) != tc.maybeSent {
				t.Fatalf("parsed %v class %v maybe sent %v; want %v %v %v",
					apiErr.Parsed, ClassOf(err), IsMaybeSent(err), tc.parsed, tc.class, tc.maybeSent)
			}
		})
	}
}
