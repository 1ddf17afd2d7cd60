package fakemeta

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// newWAMID makes a unique message id shaped like Meta's: "wamid." + base64 of a small
// binary record holding the user's id and a hex message id (18 hex digits for messages
// the business sent, 20 for the user's). Uniqueness comes from a per-server prefix and a
// counter, not from chance. It is built in one buffer with one final allocation: fakemeta
// runs on the same cores as the engine in the bench, so its cost is the engine's too.
func (s *Server) newWAMID(user string, inbound bool) string {
	seq := s.wamidSeq.Add(1)
	kind, digits := byte(0x11), 10
	if inbound {
		kind, digits = 0x12, 12
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

// issued reports whether wamid is one this server made (newWAMID: a message it accepted or
// an inbound message it generated): the ids Meta can resolve, where any other is 131009.
// It reads the id back instead of remembering every one, so it costs no memory per message.
func (s *Server) issued(wamid string) bool {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(wamid, "wamid."))
	if err != nil || !strings.HasPrefix(wamid, "wamid.") || len(raw) < 3 || raw[0] != 0x1c || raw[1] != 0x18 {
		return false
	}
	rest := raw[3:]
	if len(rest) < int(raw[2])+6 {
		return false
	}
	rest = rest[int(raw[2]):] // the user's id
	if rest[0] != 0x15 || rest[1] != 0x02 || rest[2] != 0x00 || rest[4] != 0x18 || len(rest) < 6+int(rest[5])+1 {
		return false
	}
	id := string(rest[6 : 6+int(rest[5])])
	seq, err := strconv.ParseUint(strings.TrimPrefix(id, s.wamidPrefix), 16, 64)
	return strings.HasPrefix(id, s.wamidPrefix) && err == nil && seq > 0 && seq <= s.wamidSeq.Load()
}
