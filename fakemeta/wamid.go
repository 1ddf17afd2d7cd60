package fakemeta

import (
	"encoding/base64"
	"fmt"
)

// newWAMID makes a unique message id shaped like Meta's: "wamid." + base64 of a small
// binary record holding the user's id and a hex message id (18 hex digits for messages
// the business sent, 20 for the user's). Uniqueness comes from a per-server prefix and a
// counter, not from chance.
func (s *Server) newWAMID(user string, inbound bool) string {
	seq := s.wamidSeq.Add(1)
	kind, hexID := byte(0x11), fmt.Sprintf("%s%010X", s.wamidPrefix, seq&0xFFFFFFFFFF)
	if inbound {
		kind, hexID = 0x12, fmt.Sprintf("%s%012X", s.wamidPrefix, seq)
	}
	if len(user) > 255 {
		user = user[:255]
	}
	b := make([]byte, 0, 8+len(user)+len(hexID))
	b = append(b, 0x1c, 0x18, byte(len(user)))
	b = append(b, user...)
	b = append(b, 0x15, 0x02, 0x00, kind, 0x18, byte(len(hexID)))
	b = append(b, hexID...)
	b = append(b, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}
