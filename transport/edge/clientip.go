package edge

import (
	"bytes"
	"net/netip"

	"github.com/valyala/fasthttp"
)

// ClientIP is the caller's address: the connection's remote IP, or with trustProxy the
// first valid address in X-Forwarded-For (falling back to the remote IP).
//
// The first X-Forwarded-For entry is what the client claims; it is the client's address
// only when the proxy in front replaces the header rather than appending to it. Enable
// trustProxy only behind such a proxy (a cloud load balancer configured to overwrite, or
// nginx with "proxy_set_header X-Forwarded-For $remote_addr"), never on a port the
// internet reaches directly: rate limits keyed by this address would be the caller's to
// choose.
func ClientIP(ctx *fasthttp.RequestCtx, trustProxy bool) string {
	if trustProxy {
		for _, header := range ctx.Request.Header.PeekAll(fasthttp.HeaderXForwardedFor) {
			for entry := range bytes.SplitSeq(header, []byte{','}) {
				if addr, ok := parseForwarded(bytes.TrimSpace(entry)); ok {
					return addr.String()
				}
			}
		}
	}
	return ctx.RemoteIP().String()
}

// parseForwarded accepts "203.0.113.7", "2001:db8::1", and the forms with a port some
// proxies write ("203.0.113.7:4711", "[2001:db8::1]:4711").
func parseForwarded(b []byte) (netip.Addr, bool) {
	s := string(b)
	addr, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		addr = ap.Addr()
	}
	if addr.Zone() != "" {
		return netip.Addr{}, false
	}
	return addr.Unmap(), true
}

// KeyByIP is a rate limit key function: the client IP as ClientIP finds it.
func KeyByIP(trustProxy bool) func(*fasthttp.RequestCtx) string {
	return func(ctx *fasthttp.RequestCtx) string { return ClientIP(ctx, trustProxy) }
}
