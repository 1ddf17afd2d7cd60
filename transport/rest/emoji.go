package rest

import (
	"unicode"
	"unicode/utf8"
)

// A reaction is one emoji: what a person picks as one symbol from an emoji keyboard, an
// emoji grapheme in Unicode's terms (UTS #51). The API promises "one emoji", so "👍👍", "é"
// or "中" are refused here rather than shown to the customer. Neither the standard library
// nor golang.org/x/text has Unicode's emoji properties, so the pictographs are the
// Extended_Pictographic ranges below, and the grammar is UTS #51's emoji sequences:
//
//	emoji   = keycap | flag | element (ZWJ element)*
//	keycap  = [0-9#*] FE0F? 20E3
//	flag    = regional-indicator regional-indicator
//	element = pictograph (FE0E | FE0F)? modifier? | pictograph tag+ E007F
//
// with a modifier a skin tone (U+1F3FB–1F3FF) and a tag U+E0020–E007E (Scotland's flag is
// a black flag, the tags "gbsct" and E007F). The ranges include the code points Unicode
// reserved for future emoji, so an emoji newer than this table still passes.

// maxEmojiRunes bounds a reaction: the longest emoji sequences (a family of four with skin
// tones, joined by zero-width joiners) have 11 code points.
const maxEmojiRunes = 16

const (
	zwj             = '\u200d'
	textStyle       = '\ufe0e'
	emojiStyle      = '\ufe0f'
	keycapMark      = '\u20e3'
	tagEnd          = '\U000e007f'
	firstTag        = '\U000e0020'
	firstModifier   = '\U0001f3fb'
	lastModifier    = '\U0001f3ff'
	firstRegionalID = '\U0001f1e6'
	lastRegionalID  = '\U0001f1ff'
)

// extendedPictographic is Unicode 15's Extended_Pictographic property (emoji-data.txt):
// every emoji's base, and the code points reserved for more.
var extendedPictographic = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x00A9, 0x00A9, 1}, {0x00AE, 0x00AE, 1}, {0x203C, 0x203C, 1}, {0x2049, 0x2049, 1},
		{0x2122, 0x2122, 1}, {0x2139, 0x2139, 1}, {0x2194, 0x2199, 1}, {0x21A9, 0x21AA, 1},
		{0x231A, 0x231B, 1}, {0x2328, 0x2328, 1}, {0x2388, 0x2388, 1}, {0x23CF, 0x23CF, 1},
		{0x23E9, 0x23F3, 1}, {0x23F8, 0x23FA, 1}, {0x24C2, 0x24C2, 1}, {0x25AA, 0x25AB, 1},
		{0x25B6, 0x25B6, 1}, {0x25C0, 0x25C0, 1}, {0x25FB, 0x25FE, 1}, {0x2600, 0x2605, 1},
		{0x2607, 0x2612, 1}, {0x2614, 0x2685, 1}, {0x2690, 0x2705, 1}, {0x2708, 0x2712, 1},
		{0x2714, 0x2714, 1}, {0x2716, 0x2716, 1}, {0x271D, 0x271D, 1}, {0x2721, 0x2721, 1},
		{0x2728, 0x2728, 1}, {0x2733, 0x2734, 1}, {0x2744, 0x2744, 1}, {0x2747, 0x2747, 1},
		{0x274C, 0x274C, 1}, {0x274E, 0x274E, 1}, {0x2753, 0x2755, 1}, {0x2757, 0x2757, 1},
		{0x2763, 0x2767, 1}, {0x2795, 0x2797, 1}, {0x27A1, 0x27A1, 1}, {0x27B0, 0x27B0, 1},
		{0x27BF, 0x27BF, 1}, {0x2934, 0x2935, 1}, {0x2B05, 0x2B07, 1}, {0x2B1B, 0x2B1C, 1},
		{0x2B50, 0x2B50, 1}, {0x2B55, 0x2B55, 1}, {0x3030, 0x3030, 1}, {0x303D, 0x303D, 1},
		{0x3297, 0x3297, 1}, {0x3299, 0x3299, 1},
	},
	R32: []unicode.Range32{
		{0x1F000, 0x1F0FF, 1}, {0x1F10D, 0x1F10F, 1}, {0x1F12F, 0x1F12F, 1}, {0x1F16C, 0x1F171, 1},
		{0x1F17E, 0x1F17F, 1}, {0x1F18E, 0x1F18E, 1}, {0x1F191, 0x1F19A, 1}, {0x1F1AD, 0x1F1E5, 1},
		{0x1F201, 0x1F20F, 1}, {0x1F21A, 0x1F21A, 1}, {0x1F22F, 0x1F22F, 1}, {0x1F232, 0x1F23A, 1},
		{0x1F23C, 0x1F23F, 1}, {0x1F249, 0x1F3FA, 1}, {0x1F400, 0x1F53D, 1}, {0x1F546, 0x1F64F, 1},
		{0x1F680, 0x1F6FF, 1}, {0x1F774, 0x1F77F, 1}, {0x1F7D5, 0x1F7FF, 1}, {0x1F80C, 0x1F80F, 1},
		{0x1F848, 0x1F84F, 1}, {0x1F85A, 0x1F85F, 1}, {0x1F888, 0x1F88F, 1}, {0x1F8AE, 0x1F8FF, 1},
		{0x1F90C, 0x1F93A, 1}, {0x1F93C, 0x1F945, 1}, {0x1F947, 0x1FAFF, 1}, {0x1FC00, 0x1FFFD, 1},
	},
	LatinOffset: 2,
}

// oneEmoji reports whether s is "" (a reaction's removal) or exactly one emoji.
func oneEmoji(s string) bool {
	if s == "" {
		return true
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxEmojiRunes {
		return false
	}
	rs := []rune(s)
	switch first := rs[0]; {
	case first == '#' || first == '*' || first >= '0' && first <= '9':
		rest := rs[1:]
		if len(rest) > 0 && rest[0] == emojiStyle {
			rest = rest[1:]
		}
		return len(rest) == 1 && rest[0] == keycapMark
	case regionalIndicator(first):
		return len(rs) == 2 && regionalIndicator(rs[1])
	}
	for i := 0; ; i++ { // i++ steps over the joiner
		n := emojiElement(rs[i:])
		if n == 0 {
			return false
		}
		if i += n; i == len(rs) {
			return true
		}
		if rs[i] != zwj {
			return false
		}
	}
}

// emojiElement is the length of the emoji element rs starts with (a pictograph with its
// presentation and skin tone, or with its tags), 0 when it starts with none.
func emojiElement(rs []rune) int {
	if len(rs) == 0 || !unicode.Is(extendedPictographic, rs[0]) {
		return 0
	}
	i := 1
	if i < len(rs) && rs[i] >= firstTag && rs[i] < tagEnd {
		for i < len(rs) && rs[i] >= firstTag && rs[i] < tagEnd {
			i++
		}
		if i == len(rs) || rs[i] != tagEnd {
			return 0
		}
		return i + 1
	}
	if i < len(rs) && (rs[i] == emojiStyle || rs[i] == textStyle) {
		i++
	}
	if i < len(rs) && rs[i] >= firstModifier && rs[i] <= lastModifier {
		i++
	}
	return i
}

func regionalIndicator(r rune) bool { return r >= firstRegionalID && r <= lastRegionalID }
