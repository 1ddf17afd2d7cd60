package fakemeta

import (
	"unicode/utf16"
	"unicode/utf8"
)

// metaEscape rewrites an encoded JSON document into the bytes Meta sends: every non-ASCII
// character as a lowercase \uXXXX escape, one outside the Basic Multilingual Plane as its
// UTF-16 surrogate pair ("👍" is \ud83d\udc4d in fixtures/webhooks/
// inbound_reaction_escaped_raw.txt, WHATSAPP.md §1.2). ASCII is left as the encoder wrote
// it, so the document must be encoded without HTML escaping: the fixture escapes no ASCII,
// and Go's \u003c for '<' is not Meta's. Bytes of 0x80 and above occur only inside JSON
// strings, so the rewrite needs no parsing; an invalid byte becomes \ufffd. An engine that
// decodes and re-encodes a body before checking its signature fails against these bytes, as
// it would against Meta's.
func metaEscape(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, i, len(b)+len(b)/2)
	copy(out, b[:i])
	for i < len(b) {
		if c := b[i]; c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = appendUnicodeEscape(appendUnicodeEscape(out, r1), r2)
			continue
		}
		out = appendUnicodeEscape(out, r)
	}
	return out
}

const lowerHex = "0123456789abcdef"

func appendUnicodeEscape(out []byte, r rune) []byte {
	return append(out, '\\', 'u', lowerHex[r>>12&0xf], lowerHex[r>>8&0xf], lowerHex[r>>4&0xf], lowerHex[r&0xf])
}
