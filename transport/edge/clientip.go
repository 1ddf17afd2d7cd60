package edge

import (
	"bytes"
	"net/netip"

	"github.com/valyala/fasthttp"
)

// ClientIP is the caller's address: the connection's remote IP, or, behind proxyHops trusted
// proxies, the X-Forwarded-For entry the outermost of them wrote (falling back to the remote
// IP when that entry is not an address).
//
// Each proxy appends the address it received the request from, so the entries a client can
// forge come first and the last proxyHops are the trusted proxies' own: the client's address
// is proxyHops from the right. The leftmost entry, which some code takes, is whatever the
// client claimed. With fewer entries than hops the request skipped the outer proxies (an
// internal caller of the load balancer), and the leftmost is taken. That, and the count
// itself, hold only while no client can reach an inner proxy (or the engine) directly: one
// that can pads the header to the count and names its own address. Never trust a proxy on a
// port the internet reaches directly: rate limits keyed by this address would be the
// caller's to choose.
func ClientIP(ctx *fasthttp.RequestCtx, proxyHops int) string {
	if proxyHops > 0 {
		var entries [][]byte
		for _, header := range ctx.Request.Header.PeekAll(fasthttp.HeaderXForwardedFor) {
			for entry := range bytes.SplitSeq(header, []byte{','}) {
				entries = append(entries, bytes.TrimSpace(entry))
			}
		}
		if len(entries) > 0 {
			if addr, ok := parseForwarded(entries[max(0, len(entries)-proxyHops)]); ok {
				return addr.String()
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

// KeyByIP is a rate limit key function: "ip:" and the client IP as ClientIP finds it, an IPv6
// address by its /64. One IPv6 subscriber is routinely given a whole /64 (RFC 6177), so
// keying by the full address would give a single client 2^64 budgets.
func KeyByIP(proxyHops int) func(*fasthttp.RequestCtx) string {
	return func(ctx *fasthttp.RequestCtx) string { return "ip:" + limitKey(ClientIP(ctx, proxyHops)) }
}

// limitKey is the address a rate limit counts: IPv4 as it is, IPv6 as its /64 prefix.
func limitKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Is4() {
		return ip
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
