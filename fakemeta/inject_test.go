package fakemeta

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/transport/graph"
)

// Injections keep working number-wide, and To scopes them to one recipient: a send to anyone
// else neither takes nor is hit by them, whichever form of the number names the recipient.
func TestInjectionScopes(t *testing.T) {
	const other, bsuid = "+447700900456", "BR.48120937561230984412"
	cases := []struct {
		name   string
		inject func(s *Server)
		sends  []string // recipients, in order, all from pnA
		want   []string // each send's outcome (outcome)
	}{
		{"number-wide: the next send, whoever it is to",
			func(s *Server) { s.FailNext(pnA, 131000, 1) },
			[]string{other, user}, []string{"failed 131000", "accepted"}},
		{"scoped: other recipients' sends pass it by",
			func(s *Server) { s.FailNext(pnA, 131000, 1, To(user)) },
			[]string{other, user, user}, []string{"accepted", "failed 131000", "accepted"}},
		{"scoped by digits without +",
			func(s *Server) { s.FailNext(pnA, 131000, 1, To(userWaID)) },
			[]string{other, user}, []string{"accepted", "failed 131000"}},
		{"scoped by a formatted number",
			func(s *Server) { s.FailNext(pnA, 131000, 1, To("+55 (11) 98765-4321")) },
			[]string{other, user}, []string{"accepted", "failed 131000"}},
		{"scoped by the other form of a Brazilian mobile",
			func(s *Server) { s.FailNext(pnA, 131000, 1, To("+551187654321")) },
			[]string{other, user}, []string{"accepted", "failed 131000"}},
		{"scoped to a business-scoped user id",
			func(s *Server) { s.FailNext(pnA, 131000, 1, To(bsuid)) },
			[]string{user, bsuid}, []string{"accepted", "failed 131000"}},
		{"a recipient's scoped faults come before the number-wide ones",
			func(s *Server) { s.FailNext(pnA, 131000, 1); s.FailNext(pnA, 131048, 1, To(user)) },
			[]string{user, user, other}, []string{"failed 131048", "failed 131000", "accepted"}},
		{"another number's scope",
			func(s *Server) { s.FailNext(pnB, 131000, 1, To(user)) },
			[]string{user}, []string{"accepted"}},
		{"async, scoped",
			func(s *Server) { s.FailNextAsync(pnA, 131026, 1, To(user)) },
			[]string{other, user, user}, []string{"accepted", "async 131026", "accepted"}},
		{"async, number-wide",
			func(s *Server) { s.FailNextAsync(pnA, 131026, 1) },
			[]string{other, user}, []string{"async 131026", "accepted"}},
		{"lost answer, scoped",
			func(s *Server) { s.DropNextResponses(pnA, 1, To(user)) },
			[]string{other, user, user}, []string{"accepted", "answer lost", "accepted"}},
		{"gateway error, scoped",
			func(s *Server) { s.GatewayErrorNextResponses(pnA, 502, 1, To(user)) },
			[]string{other, user}, []string{"accepted", "answer lost"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startFake(t, Config{IgnoreWindow: true})
			c.inject(s)
			for i, to := range c.sends {
				if got := outcome(t, s, to); got != c.want[i] {
					t.Fatalf("send %d (to %s): %s, want %s", i+1, to, got, c.want[i])
				}
			}
		})
	}
}

// outcome sends a text from pnA to to and says what became of it: "accepted", "failed CODE"
// (answered with an error), "async CODE" (accepted, to fail by webhook) or "answer lost".
// A to with a dot is a business-scoped user id.
func outcome(t *testing.T, s *Server, to string) string {
	t.Helper()
	req := text(to, "hi")
	if strings.Contains(to, ".") {
		req = graph.NewMessageToUser(to).WithText("hi")
	}
	r, err := clientFor(t, s).SendMessage(bg(), tokenA, pnA, req)
	var e *graph.APIError
	switch {
	case graph.IsMaybeSent(err): // a proxy's error page is an APIError too
		return "answer lost"
	case errors.As(err, &e):
		return fmt.Sprint("failed ", e.Code)
	case err != nil:
		t.Fatal(err)
	}
	for _, m := range s.Sent(pnA) {
		if m.WAMID == r.WAMID() && m.AsyncErrorCode != 0 {
			return fmt.Sprint("async ", m.AsyncErrorCode)
		}
	}
	return "accepted"
}

// With RewriteWaIDs a send is keyed by the older shape Meta answers with (551187654321,
// 5215512345678); a fault scoped to either shape of the number still hits it, and nobody
// else's send.
func TestInjectionScopesUnderRewrittenWaIDs(t *testing.T) {
	for _, tc := range []struct{ scope, to string }{
		{"+55 11 98765-4321", "+5511987654321"},
		{"+551187654321", "+5511987654321"},
		{"+5511987654321", "+551187654321"},
		{"+52 55 1234 5678", "+525512345678"},
		{"+5215512345678", "+525512345678"},
	} {
		s := startFake(t, Config{IgnoreWindow: true, RewriteWaIDs: true})
		s.FailNext(pnA, 131000, 1, To(tc.scope))
		if got := outcome(t, s, "+447700900456"); got != "accepted" {
			t.Errorf("scoped to %s, a send to someone else: %s", tc.scope, got)
		}
		if got := outcome(t, s, tc.to); got != "failed 131000" {
			t.Errorf("scoped to %s, a send to %s: %s, want failed 131000", tc.scope, tc.to, got)
		}
	}
}
