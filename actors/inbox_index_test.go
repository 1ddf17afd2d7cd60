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
		x.upsert(ConversationSummary{ID: "t_" + c.WaID + c.UserID, Contact: c, LastActivityAt: t0.Add(time.Duration(i) * time.Minute)})
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
