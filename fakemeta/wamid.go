package fakemeta

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Kinds of message a wamid's record names, as Meta's do: one the business sent, or one a
// user sent to the business.
const (
	wamidOutbound = byte(0x11)
	wamidInbound  = byte(0x12)
)

// newWAMID makes a unique message id shaped like Meta's: "wamid." + base64 of a small
// binary record holding the user's id, the kind of message and a hex message id (18 hex
// digits for messages the business sent, 26 for the user's). Uniqueness comes from a
// per-server prefix and a counter, not from chance. A user's message also carries tag, the
// hex digits of the business number it was sent to (number.tag), so that a mark-read
// can be checked against the number without remembering every id (inboundTo). It is built
// in one buffer with one final allocation: fakemeta runs on the same cores as the engine in
// the bench, so its cost is the engine's too.
func (s *Server) newWAMID(user string, inbound bool, tag string) string {
	seq := s.wamidSeq.Add(1)
	kind, digits := wamidOutbound, 10
	if inbound {
		kind, digits = wamidInbound, 12
	} else {
		seq &= 0xFFFFFFFFFF
	}
	if len(user) > 255 {
		user = user[:255]
	}
	var raw [300]byte
	b := append(raw[:0], 0x1c, 0x18, byte(len(user)))
	b = append(b, user...)
	b = append(b, 0x15, 0x02, 0x00, kind, 0x18, 0) // the hex id's length, set once written
	lenAt := len(b) - 1
	b = append(b, s.wamidPrefix...)
	if inbound {
		b = append(b, tag...)
	}
	b = appendHexPadded(b, seq, digits)
	b[lenAt] = byte(len(b) - lenAt - 1)
	b = append(b, 0x00)
	const prefix = "wamid."
	var out [len(prefix) + 400]byte
	o := append(out[:0], prefix...)
	o = base64.StdEncoding.AppendEncode(o, b)
	return string(o)
}

// hexDigits is how many upper-case hex digits v needs.
func hexDigits(v uint64) int {
	n := 1
	for v >= 16 {
		v >>= 4
		n++
	}
	return n
}

// appendHexPadded appends v in upper-case hex, zero-padded to width (like %0*X).
func appendHexPadded(b []byte, v uint64, width int) []byte {
	const digits = "0123456789ABCDEF"
	n := max(width, hexDigits(v))
	start := len(b)
	for range n {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= start && v > 0; i-- {
		b[i] = digits[v&0xF]
		v >>= 4
	}
	return b
}

// inboundTo reports whether wamid names a message a user sent to the number n: the only
// ids a mark-read or typing indicator of n may name. Meta resolves neither another
// number's message nor one the business sent as an inbound message of n (131009).
func (s *Server) inboundTo(wamid string, n *number) bool {
	kind, tag, ok := s.decodeWAMID(wamid)
	return ok && kind == wamidInbound && tag == n.tag
}

// decodeWAMID reads a wamid this server made back (newWAMID: a message it accepted or an
// inbound message it generated), instead of remembering every id: no memory per message: its kind and, for a user's message, the
// tag of the number it was sent to; ok is false for any id it did not make.
func (s *Server) decodeWAMID(wamid string) (kind byte, tag string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(wamid, "wamid."))
	if err != nil || !strings.HasPrefix(wamid, "wamid.") || len(raw) < 3 || raw[0] != 0x1c || raw[1] != 0x18 {
		return 0, "", false
	}
	rest := raw[3:]
	if len(rest) < int(raw[2])+6 {
		return 0, "", false
	}
	rest = rest[int(raw[2]):] // the user's id
	if rest[0] != 0x15 || rest[1] != 0x02 || rest[2] != 0x00 || rest[4] != 0x18 || len(rest) < 6+int(rest[5])+1 {
		return 0, "", false
	}
	kind = rest[3]
	id, found := strings.CutPrefix(string(rest[6:6+int(rest[5])]), s.wamidPrefix)
	switch {
	case !found:
		return 0, "", false
	case kind == wamidInbound && len(id) > numberTagDigits:
		tag, id = id[:numberTagDigits], id[numberTagDigits:]
	case kind != wamidOutbound:
		return 0, "", false
	}
	seq, err := strconv.ParseUint(id, 16, 64)
	return kind, tag, err == nil && seq > 0 && seq <= s.wamidSeq.Load()
}

// numberTagDigits is the length of a number's tag (number.tag) in its inbound wamids.
const numberTagDigits = 6
