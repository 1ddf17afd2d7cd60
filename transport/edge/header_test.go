package edge

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// Headers set by canonical name must reach the wire exactly as ResponseHeader.Set wrote
// them: same names, same spelling, same values.
func TestCanonicalHeadersMatchSet(t *testing.T) {
	kvs := append(securityHeaders(),
		[2]string{"X-RateLimit-Remaining", "17"},
		[2]string{"RateLimit-Policy", "100;w=60"},
		[2]string{HeaderRequestID, "req-0123456789"},
		[2]string{"X-DNS-Prefetch-Control", "on"}, // replaces helmet's "off" in both
	)
	var bySet, byName fasthttp.ResponseHeader
	for _, kv := range kvs {
		bySet.Set(kv[0], kv[1])
	}
	setHeaders(&byName, canonicalHeaders(kvs))
	if got, want := string(byName.Header()), string(bySet.Header()); got != want {
		t.Fatalf("headers by canonical name:\n%s\nwant (ResponseHeader.Set):\n%s", got, want)
	}
}

func TestHeaderNameSetInt(t *testing.T) {
	tests := []struct {
		v    int
		want string
	}{{0, "0"}, {7, "7"}, {-1, "-1"}, {1 << 40, "1099511627776"}}
	for _, tt := range tests {
		var h fasthttp.ResponseHeader
		canonicalHeader("RateLimit-Reset").setInt(&h, tt.v)
		if got := string(h.Peek("RateLimit-Reset")); got != tt.want {
			t.Errorf("setInt(%d) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
