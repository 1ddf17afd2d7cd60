package edge_test

import (
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
)

func TestClientIP(t *testing.T) {
	remote := &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 4711}
	tests := []struct {
		name  string
		xff   []string
		trust bool
		want  string
	}{
		{"remote when not trusting", []string{"203.0.113.7"}, false, "192.0.2.10"},
		{"remote without the header", nil, true, "192.0.2.10"},
		{"first entry", []string{"203.0.113.7, 10.0.0.1"}, true, "203.0.113.7"},
		{"skips junk", []string{"unknown, , 203.0.113.8"}, true, "203.0.113.8"},
		{"IPv6", []string{"2001:db8::1"}, true, "2001:db8::1"},
		{"with port", []string{"203.0.113.9:5555"}, true, "203.0.113.9"},
		{"IPv6 with port", []string{"[2001:db8::2]:5555"}, true, "2001:db8::2"},
		{"IPv4-mapped", []string{"::ffff:203.0.113.10"}, true, "203.0.113.10"},
		{"second header line", []string{"garbage", "203.0.113.11"}, true, "203.0.113.11"},
		{"nothing valid", []string{"a, b"}, true, "192.0.2.10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req fasthttp.Request
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			var ctx fasthttp.RequestCtx
			ctx.Init(&req, remote, nil)
			if got := edge.ClientIP(&ctx, tt.trust); got != tt.want {
				t.Fatalf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}
