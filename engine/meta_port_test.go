package engine

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard/transport/graph"
)

// How a failed Graph call reaches the sender: Meta's own refusals are definite, a failure
// after the request may have been written is "maybe sent" (reconciled, never resent
// blindly), and one whose connection was never made is "unreached" (retried until the
// message expires, not counted against its attempts).
func TestSendFailureOfGraphErrors(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		err                  error
		maybeSent, unreached bool
	}{
		{"Meta's 131000", &graph.APIError{HTTPStatus: 500, Parsed: true, Code: 131000}, false, false},
		{"a proxy's 502 page", &graph.APIError{HTTPStatus: 502}, true, false},
		{"a gateway's 429", &graph.APIError{HTTPStatus: 429}, false, false},
		{"timeout after writing", &graph.TransportError{Op: "send", MaybeSent: true, Err: errors.New("timeout")}, true, false},
		{"connection refused", &graph.TransportError{Op: "send", Err: errors.New("connection refused")}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := sendFailure(tc.err)
			if f.MaybeSent != tc.maybeSent || f.Unreached != tc.unreached {
				t.Fatalf("maybe sent %v, unreached %v; want %v, %v", f.MaybeSent, f.Unreached, tc.maybeSent, tc.unreached)
			}
		})
	}
}
