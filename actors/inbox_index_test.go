package actors

import (
	"slices"
	"testing"
	"time"
)

// An agent searches the inbox for a number the way people write one: with spaces, dashes,
// parentheses or a leading +. Only the digits were matched as typed, so "+55 11 98765-4321"
// found nobody.
func TestInboxSearchByNumberAsPeopleWriteIt(t *testing.T) {
	x := newInboxIndex()
	for i, c := range []Contact{
		{WaID: "5511987654321", Name: "Ana Souza"},
		{WaID: "15550123456", Name: "Bob 2"},
		{UserID: "US.13491208655302741918", Username: "@carla"},
	} {
		id := "t_" + c.WaID + c.UserID
		x.upsert(indexKey(id), ConversationSummary{ID: id, Contact: c, LastActivityAt: t0.Add(time.Duration(i) * time.Minute)})
	}
	for _, tc := range []struct {
		search string
		want   []string // contact names or usernames, newest first
	}{
		{"5511987654321", []string{"Ana Souza"}},
		{"+5511987654321", []string{"Ana Souza"}},
		{"+55 11 98765-4321", []string{"Ana Souza"}},
		{"(555) 012-3456", []string{"Bob 2"}},
		{"98765 4321", []string{"Ana Souza"}},
		{"bob 2", []string{"Bob 2"}},
		{"2", []string{"Bob 2", "Ana Souza"}}, // Bob's name and Ana's number
		{"carla", []string{"@carla"}},
		{"-", nil},
	} {
		page := x.query(&QueryConversations{Search: tc.search, Page: 1, Limit: 20})
		var got []string
		for _, s := range page.Items {
			got = append(got, s.Contact.Name+s.Contact.Username)
		}
		if !slices.Equal(got, tc.want) {
			t.Fatalf("search %q: %v, want %v", tc.search, got, tc.want)
		}
	}
}

// indexKey names a conversation as a send does: the line form of a Brazilian or Mexican
// mobile stored under its other form, and any other id as it is, without a new string (every
// flush's summary goes through it).
func TestIndexKey(t *testing.T) {
	const tenant = "0123456789abcdef01234567"
	for _, tc := range []struct{ name, id, want string }{
		{"line form", tenant + "_5511987650005", tenant + "_5511987650005"},
		{"the other form of a Brazilian mobile", tenant + "_551187650005", tenant + "_5511987650005"},
		{"another country", tenant + "_15550123456", tenant + "_15550123456"},
		{"a BSUID", tenant + "_US.13491208655302741918", tenant + "_US.13491208655302741918"},
		{"malformed", "t_15550123456", "t_15550123456"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := indexKey(tc.id); got != tc.want {
				t.Fatalf("indexKey(%q) = %q, want %q", tc.id, got, tc.want)
			}
			if tc.id == tc.want {
				if n := testing.AllocsPerRun(100, func() { _ = indexKey(tc.id) }); n != 0 {
					t.Fatalf("indexKey(%q) allocates %.0f times", tc.id, n)
				}
			}
		})
	}
}
