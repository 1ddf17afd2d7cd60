package fakemeta

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// wamidByFormat is newWAMID as first written, with fmt: the reference the one-buffer
// version must match byte for byte.
func wamidByFormat(prefix string, seq uint64, user string, inbound bool, tag string) string {
	kind, hexID := byte(0x11), fmt.Sprintf("%s%010X", prefix, seq&0xFFFFFFFFFF)
	if inbound {
		kind, hexID = 0x12, fmt.Sprintf("%s%s%012X", prefix, tag, seq)
	}
	if len(user) > 255 {
		user = user[:255]
	}
	b := []byte{0x1c, 0x18, byte(len(user))}
	b = append(b, user...)
	b = append(b, 0x15, 0x02, 0x00, kind, 0x18, byte(len(hexID)))
	b = append(b, hexID...)
	b = append(b, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

func TestNewWAMIDMatchesItsFormat(t *testing.T) {
	tests := []struct {
		name    string
		seq     uint64
		user    string
		inbound bool
	}{
		{"first outbound", 0, "5511987654321", false},
		{"outbound wraps at 40 bits", 0x1_23_4567_89AB, "5511987654321", false},
		{"inbound", 0xABCDEF, "16315551234", true},
		{"inbound past 12 digits", 0xF_FFFF_FFFF_FFFF, "16315551234", true},
		{"long user is cut", 7, strings.Repeat("9", 300), false},
		{"empty user", 1, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{wamidPrefix: "0A1B2C3D"}
			s.wamidSeq.Store(tt.seq - 1) // newWAMID adds one first
			got := s.newWAMID(tt.user, tt.inbound, "00002A")
			if want := wamidByFormat("0A1B2C3D", tt.seq, tt.user, tt.inbound, "00002A"); got != want {
				t.Errorf("newWAMID = %s, want %s", got, want)
			}
		})
	}
}

// A mark-read names a message a user sent to this number: inboundTo knows those of the
// wamids the server made, and refuses another number's, one the business sent, another
// server's, one not issued yet and anything else (131009, as at Meta).
func TestInboundToWAMID(t *testing.T) {
	s := &Server{wamidPrefix: "0A1B2C3D"}
	here, there := &number{tag: "000000"}, &number{tag: "000001"}
	sent := s.newWAMID("5511987654321", false, "")
	toHere, toThere := s.newWAMID("BR.48120937561230984412", true, here.tag), s.newWAMID("5511987654321", true, there.tag)
	other := &Server{wamidPrefix: "99999999"}
	other.wamidSeq.Store(5)
	cases := []struct {
		name  string
		wamid string
		want  bool
	}{
		{"a user's message to this number", toHere, true},
		{"a user's message to another number", toThere, false},
		{"a message the business sent", sent, false},
		{"another server's", other.newWAMID("5511987654321", true, here.tag), false},
		{"not issued yet", wamidByFormat("0A1B2C3D", 9, "5511987654321", true, here.tag), false},
		{"Meta's fixture", "wamid.HBgNNTExOTg3NjU0MzIxFQIAEhgUOENCN0Q2NjZENjg2NEQ5RkYzQUYA", false},
		{"not base64", "wamid.not-a-message-anyone-sent", false},
		{"empty", "wamid.", false},
		{"no wamid", "12345", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.inboundTo(tc.wamid, here); got != tc.want {
				t.Errorf("inboundTo(%q) = %v, want %v", tc.wamid, got, tc.want)
			}
		})
	}
	if _, _, ok := s.decodeWAMID(sent); !ok {
		t.Errorf("the business's own wamid %s is not read back as issued", sent)
	}
}
