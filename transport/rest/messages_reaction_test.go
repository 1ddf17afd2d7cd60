package rest

import "testing"

func TestEmojiLike(t *testing.T) {
	for _, tc := range []struct {
		s  string
		ok bool
	}{
		{"", true}, {"👍", true}, {"❤️", true}, {"👨‍👩‍👧‍👦", true}, {"👍🏽", true}, {"1️⃣", true}, {"#️⃣", true},
		{"ok", false}, {":)", false}, {"👍 ", false}, {"1", false}, {"a\u20e3", false},
		{"👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍", false}, {"\xff", false},
	} {
		if got := emojiLike(tc.s); got != tc.ok {
			t.Errorf("emojiLike(%q) = %v, want %v", tc.s, got, tc.ok)
		}
	}
}
