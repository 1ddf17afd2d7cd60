package fakemeta

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// wamidByFormat is newWAMID as first written, with fmt: the reference the one-buffer
// version must match byte for byte.
func wamidByFormat(prefix string, seq uint64, user string, inbound bool) string {
	kind, hexID := byte(0x11), fmt.Sprintf("%s%010X", prefix, seq&0xFFFFFFFFFF)
	if inbound {
		kind, hexID = 0x12, fmt.Sprintf("%s%012X", prefix, seq)
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
			got := s.newWAMID(tt.user, tt.inbound)
			if want := wamidByFormat("0A1B2C3D", tt.seq, tt.user, tt.inbound); got != want {
				t.Errorf("newWAMID = %s, want %s", got, want)
			}
		})
	}
}

// issued knows the wamids the server made, sent or inbound, and no others: a receipt for
// any other is 131009, as at Meta.
func TestIssuedWAMID(t *testing.T) {
	s := &Server{wamidPrefix: "0A1B2C3D"}
	sent, inbound := s.newWAMID("5511987654321", false), s.newWAMID("BR.48120937561230984412", true)
	other := &Server{wamidPrefix: "99999999"}
	other.wamidSeq.Store(5)
	cases := []struct {
		wamid string
		want  bool
	}{
		{sent, true},
		{inbound, true},
		{other.newWAMID("5511987654321", false), false},               // another server's
		{wamidByFormat("0A1B2C3D", 3, "5511987654321", false), false}, // not issued yet
		{"wamid.HBgNNTExOTg3NjU0MzIxFQIAEhgUOENCN0Q2NjZENjg2NEQ5RkYzQUYA", false},
		{"wamid.not-a-message-anyone-sent", false},
		{"wamid.", false},
		{"12345", false},
	}
	for _, tc := range cases {
		if got := s.issued(tc.wamid); got != tc.want {
			t.Errorf("issued(%q) = %v, want %v", tc.wamid, got, tc.want)
		}
	}
}
