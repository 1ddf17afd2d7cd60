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
		name string
		xff  []string
		hops int
		want string
	}{
		{"remote when not trusting", []string{"203.0.113.7"}, 0, "192.0.2.10"},
		{"remote without the header", nil, 1, "192.0.2.10"},
		{"one proxy: the entry it appended", []string{"203.0.113.7"}, 1, "203.0.113.7"},
		// A client sends its own X-Forwarded-For; the load balancer appends what it saw.
		{"one proxy: a forged entry before it is ignored", []string{"198.51.100.99, 203.0.113.7"}, 1, "203.0.113.7"},
		{"one proxy: forged in a header line of its own", []string{"198.51.100.99", "203.0.113.7"}, 1, "203.0.113.7"},
		{"two proxies: the outer one's entry", []string{"198.51.100.99, 203.0.113.7, 10.0.0.1"}, 2, "203.0.113.7"},
		{"two proxies, the outer one skipped", []string{"203.0.113.7"}, 2, "203.0.113.7"},
		{"the trusted entry is junk", []string{"203.0.113.7, unknown"}, 1, "192.0.2.10"},
		{"IPv6", []string{"2001:db8::1"}, 1, "2001:db8::1"},
		{"with port", []string{"203.0.113.9:5555"}, 1, "203.0.113.9"},
		{"IPv6 with port", []string{"[2001:db8::2]:5555"}, 1, "2001:db8::2"},
		{"IPv4-mapped", []string{"::ffff:203.0.113.10"}, 1, "203.0.113.10"},
		{"nothing valid", []string{"a, b"}, 1, "192.0.2.10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req fasthttp.Request
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			var ctx fasthttp.RequestCtx
			ctx.Init(&req, remote, nil)
			if got := edge.ClientIP(&ctx, tt.hops); got != tt.want {
				t.Fatalf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

// Rate limits count an IPv6 client by its /64, the block one subscriber is given: keyed by the
// whole address, a single client would have 2^64 budgets. IPv4 is counted as it is.
func TestKeyByIP(t *testing.T) {
	for _, tt := range []struct{ xff, want string }{
		{"203.0.113.7", "ip:203.0.113.7"},
		{"2001:db8:1:2:aaaa::1", "ip:2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb::2", "ip:2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "ip:2001:db8:1:3::/64"},
		{"::ffff:203.0.113.10", "ip:203.0.113.10"},
	} {
		var req fasthttp.Request
		req.Header.Add("X-Forwarded-For", tt.xff)
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 4711}, nil)
		if got := edge.KeyByIP(1)(&ctx); got != tt.want {
			t.Errorf("KeyByIP for %s = %q, want %q", tt.xff, got, tt.want)
		}
	}
}
