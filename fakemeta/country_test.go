package fakemeta

import (
	"testing"

	"github.com/switchboard/switchboard/transport/graph"
)

// A to without + gets the business number's calling code, as at Meta (WHATSAPP.md §2);
// with + it is taken as written.
func TestToWithoutPlusGetsTheBusinessCallingCode(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true, Statuses: StatusConfig{Disabled: true}})
	s.AddNumber("1000", wabaA, "919812345678", tokenA) // India
	s.AddNumber("1001", wabaA, "551140041234", tokenA) // Brazil
	s.AddNumber("1002", wabaA, "351912345678", tokenA) // Portugal: three digits
	s.AddNumber("1003", wabaA, "79161234567", tokenA)  // Russia: one digit
	c := clientFor(t, s)
	cases := []struct{ pn, to, want string }{
		{pnA, "(631) 555-1234", "16315551234"},
		{pnA, "+55 11 98765-4321", "5511987654321"},
		{pnB, "7700 900456", "447700900456"},
		{"1000", "(631) 555-1234", "916315551234"},
		{"1001", "11 98765-4321", "5511987654321"},
		{"1002", "912 345 679", "351912345679"},
		{"1003", "916 123-45-68", "79161234568"},
	}
	for _, tc := range cases {
		tok := tokenA
		if tc.pn == pnB {
			tok = tokenB
		}
		r, err := c.SendMessage(bg(), tok, tc.pn, graph.NewMessage(tc.to).WithText("hi"))
		if err != nil || r.Contacts[0].WaID != tc.want || r.Contacts[0].Input != tc.to {
			t.Errorf("%s from %s: %+v %v, want wa_id %s", tc.to, tc.pn, r, err, tc.want)
		}
	}
}

// With RewriteWaIDs, a send to a Brazilian or Mexican mobile is answered with Meta's other
// form of the number as its wa_id; other numbers keep theirs.
func TestRewriteWaIDs(t *testing.T) {
	s := startFake(t, Config{IgnoreWindow: true, RewriteWaIDs: true, Statuses: StatusConfig{Disabled: true}})
	c := clientFor(t, s)
	for _, tc := range []struct{ to, want string }{
		{"+55 11 98765-4321", "551187654321"},
		{"+551187654321", "551187654321"},
		{"+55 11 3333-4444", "551133334444"},
		{"+52 55 1234 5678", "5215512345678"},
		{"+5215512345678", "5215512345678"},
		{"+1 631 555 1234", "16315551234"},
	} {
		r, err := c.SendMessage(bg(), tokenA, pnA, graph.NewMessage(tc.to).WithText("hi"))
		if err != nil || r.Contacts[0].WaID != tc.want || r.Contacts[0].Input != tc.to {
			t.Errorf("%s: %+v %v, want wa_id %s", tc.to, r, err, tc.want)
		}
	}
	if sent := s.Sent(pnA); len(sent) != 6 || sent[0].WaID != "551187654321" {
		t.Errorf("sent log %+v", sent)
	}
}
