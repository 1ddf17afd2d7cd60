package edge

import (
	"strconv"

	"github.com/valyala/fasthttp"
)

// headerName is a response header name in canonical form, normalised once at start-up, so
// setting it on every answer skips fasthttp's per-call copy and normalisation of the name
// and scan of the value for newlines (ResponseHeader.Set): the middleware set about twenty
// headers on each answer, and that copying showed in the send path's profile.
type headerName []byte

// canonicalHeader returns name as fasthttp normalises names ("X-DNS-Prefetch-Control" goes
// out as "X-Dns-Prefetch-Control", as it did through Set; HTTP names are case-insensitive).
func canonicalHeader(name string) headerName {
	return headerName(fasthttp.AppendNormalizedHeaderKey(nil, name))
}

// set sets the header to value, which must hold no CR or LF (constants, and values the
// middleware formats itself).
func (n headerName) set(h *fasthttp.ResponseHeader, value []byte) { h.SetCanonical(n, value) }

// setString is set for a string value.
func (n headerName) setString(h *fasthttp.ResponseHeader, value string) {
	h.SetCanonical(n, []byte(value))
}

// setInt is set for a decimal value, formatted without an allocation.
func (n headerName) setInt(h *fasthttp.ResponseHeader, v int) {
	var buf [20]byte
	h.SetCanonical(n, strconv.AppendInt(buf[:0], int64(v), 10))
}
