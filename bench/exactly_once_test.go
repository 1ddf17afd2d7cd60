package bench

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/fakemeta"
)

// The scenarios' validity checks fail on every way sends can go wrong at Meta, and pass
// only when each accepted message arrived once.
func TestExactlyOnceAtMeta(t *testing.T) {
	sends := func(ids ...string) []fakemeta.SentMessage {
		var out []fakemeta.SentMessage
		for _, id := range ids {
			out = append(out, fakemeta.SentMessage{BizOpaqueCallbackData: id, WAMID: "wamid." + id})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		logs      [][]fakemeta.SentMessage
		want      int
		exactly   string // "" when exactlyOnce passes, else a part of its error
		atMostOne string // the same for atMostOnce
	}{
		{"each once, over two numbers", [][]fakemeta.SentMessage{sends("a", "b"), sends("c")}, 3, "", ""},
		{"one missing", [][]fakemeta.SentMessage{sends("a", "b")}, 3, "2 sends for 3", ""},
		{"one extra", [][]fakemeta.SentMessage{sends("a", "b", "c", "d")}, 3, "4 sends for 3", ""},
		{"one twice", [][]fakemeta.SentMessage{sends("a", "b", "b", "c")}, 3, "twice", "twice"},
		{"one twice and one missing: the count alone matches", [][]fakemeta.SentMessage{sends("a", "b", "b")}, 3, "twice", "twice"},
		{"twice on two numbers", [][]fakemeta.SentMessage{sends("a", "b"), sends("b")}, 3, "twice", "twice"},
		// Without our id a send cannot be matched to a message: a resend of it would go
		// unseen (and Meta's statuses for it could not be matched either).
		{"one without our message id", [][]fakemeta.SentMessage{sends("a", "", "c")}, 3, "without", "without"},
		{"two without our message id", [][]fakemeta.SentMessage{sends("", "", "c")}, 3, "without", "without"},
		{"nothing sent, nothing accepted", nil, 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tally := tallySent(tc.logs...)
			for _, check := range []struct {
				name string
				err  error
				want string
			}{{"exactlyOnce", tally.exactlyOnce(tc.want), tc.exactly}, {"atMostOnce", tally.atMostOnce(), tc.atMostOne}} {
				switch {
				case check.want == "" && check.err != nil:
					t.Errorf("%s failed a valid run: %v", check.name, check.err)
				case check.want != "" && check.err == nil:
					t.Errorf("%s passed it", check.name)
				case check.want != "" && !strings.Contains(check.err.Error(), check.want):
					t.Errorf("%s: %v, want it to say %q", check.name, check.err, check.want)
				}
			}
		})
	}
}
