package engine

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard/transport/graph"
)

// How a failed Graph call reaches the sender: Meta's own refusals are definite, a failure
// after the request may have been written is "maybe sent" (reconciled, never resent
// blindly), and one whose connection was never made is "unreached" (retried until the
// message expires, not counted against its attempts), as is one Meta refused because it
// could take no message then (an outage, maintenance, a rate limit).
func TestSendFailureOfGraphErrors(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		err                  error
		maybeSent, unreached bool
		unavailable          bool
	}{
		{"Meta's 131000", &graph.APIError{HTTPStatus: 500, Parsed: true, Code: 131000}, false, false, false},
		{"Meta's 131016 service unavailable", &graph.APIError{HTTPStatus: 503, Parsed: true, Code: 131016}, false, false, true},
		{"Meta's 4 app rate limit", &graph.APIError{HTTPStatus: 400, Parsed: true, Code: 4}, false, false, true},
		{"Meta's 1 unknown error", &graph.APIError{HTTPStatus: 500, Parsed: true, Code: 1}, false, false, false},
		{"a proxy's 502 page", &graph.APIError{HTTPStatus: 502}, true, false, false},
		// Something in front of Graph refused the request before Meta took it up: no word on
		// the message, so no attempt used up (a minute of an edge's limit failed them).
		{"a gateway's 429", &graph.APIError{HTTPStatus: 429}, false, false, true},
		{"a proxy's 408", &graph.APIError{HTTPStatus: 408}, false, false, true},
		{"a proxy's 404 page", &graph.APIError{HTTPStatus: 404}, false, false, false},
		{"timeout after writing", &graph.TransportError{Op: "send", MaybeSent: true, Err: errors.New("timeout")}, true, false, false},
		{"connection refused", &graph.TransportError{Op: "send", Err: errors.New("connection refused")}, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := sendFailure(tc.err)
			if f.MaybeSent != tc.maybeSent || f.Unreached != tc.unreached || f.Unavailable != tc.unavailable {
				t.Fatalf("maybe sent %v, unreached %v, unavailable %v; want %v, %v, %v", f.MaybeSent, f.Unreached, f.Unavailable, tc.maybeSent, tc.unreached, tc.unavailable)
			}
		})
	}
}

// A refusal for the app's access (auth, capability, permission) is marked so the sender can
// count its pauses against the message; a restriction of the account, or a body without
// Graph's envelope (no code at all), is not.
func TestSendFailureMarksLostAccess(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  *graph.APIError
		want bool
	}{
		{"0 unable to authenticate", &graph.APIError{HTTPStatus: 401, Parsed: true, Code: 0}, true},
		{"3 capability", &graph.APIError{HTTPStatus: 400, Parsed: true, Code: 3}, true},
		{"10 permission", &graph.APIError{HTTPStatus: 403, Parsed: true, Code: 10}, true},
		{"299 permission", &graph.APIError{HTTPStatus: 403, Parsed: true, Code: 299}, true},
		{"131005 access denied", &graph.APIError{HTTPStatus: 403, Parsed: true, Code: 131005}, true},
		{"131048 spam limit", &graph.APIError{HTTPStatus: 400, Parsed: true, Code: 131048}, false},
		{"131042 payment", &graph.APIError{HTTPStatus: 400, Parsed: true, Code: 131042}, false},
		{"a proxy's 403 page", &graph.APIError{HTTPStatus: 403}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sendFailure(tc.err).AccessLost; got != tc.want {
				t.Fatalf("AccessLost %v, want %v", got, tc.want)
			}
		})
	}
}
