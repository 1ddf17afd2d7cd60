package rest

import (
	"strings"
	"testing"
)

// A reaction is one emoji as a person picks it: a pictograph with its presentation, skin
// tone, zero-width-joined parts or tags, a flag, or a keycap. Two emoji, letters, CJK and
// text around an emoji are not one.
func TestOneEmoji(t *testing.T) {
	for _, tc := range []struct {
		name, s string
		ok      bool
	}{
		{"empty: removes the reaction", "", true},
		{"thumbs up", "👍", true},
		{"check mark (fixtures)", "✅", true},
		{"red heart with FE0F", "❤️", true},
		{"red heart, text presentation", "❤\ufe0e", true},
		{"bare red heart", "❤", true},
		{"skin tone", "👍🏽", true},
		{"family, ZWJ", "👨‍👩‍👧", true},
		{"family of four, ZWJ", "👨‍👩‍👧‍👦", true},
		{"family with skin tones", "👨🏻‍👩🏻‍👧🏻‍👦🏻", true},
		{"woman golfing: FE0F before ZWJ", "🏌️‍♀️", true},
		{"rainbow flag", "🏳️‍🌈", true},
		{"heart on fire", "❤️‍🔥", true},
		{"flag of Brazil", "🇧🇷", true},
		{"keycap one", "1️⃣", true},
		{"keycap hash", "#️⃣", true},
		{"keycap star without FE0F", "*\u20e3", true},
		{"flag of Scotland (tags)", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", true},
		{"copyright", "©️", true},
		{"two emoji", "👍👍", false},
		{"Latin letter", "é", false},
		{"CJK", "中", false},
		{"ASCII letter", "a", false},
		{"emoji then a letter", "👍a", false},
		{"a letter then an emoji", "a👍", false},
		{"word", "ok", false},
		{"emoticon", ":)", false},
		{"trailing space", "👍 ", false},
		{"digit", "1", false},
		{"letter keycap", "a\u20e3", false},
		{"keycap without its mark", "1\ufe0f", false},
		{"one regional indicator", "🇧", false},
		{"three regional indicators", "🇧🇷🇧", false},
		{"two flags", "🇧🇷🇵🇹", false},
		{"skin tone alone", "🏽", false},
		{"two skin tones", "👍🏽🏽", false},
		{"ZWJ at the end", "👍\u200d", false},
		{"ZWJ at the start", "\u200d👍", false},
		{"ZWJ then a letter", "👍\u200da", false},
		{"tags not ended", "🏴\U000E0067\U000E0062", false},
		{"tag end alone", "🏴\U000E007F", false},
		{"variation selector alone", "\ufe0f", false},
		{"two variation selectors", "❤\ufe0f\ufe0f", false},
		{"combining accent on an emoji", "👍\u0301", false},
		{"many joined", "👍" + strings.Repeat("\u200d👍", 16), false},
		{"invalid UTF-8", "\xff", false},
	} {
		if got := oneEmoji(tc.s); got != tc.ok {
			t.Errorf("%s: oneEmoji(%+q) = %v, want %v", tc.name, tc.s, got, tc.ok)
		}
	}
}
