package edge_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

// fasthttp makes room for a body's whole declared length (rounded up to a power of two)
// before it reads a byte of it, and holds it until the request is answered or times out.
// Per-request limits and per-address connection limits left the total unbounded: clients
// from many addresses each declaring a large body and trickling it pinned connections ×
// limit bytes. LimitBodyMemory bounds what bodies in flight may hold: past it a request
// declaring a large body is answered 503 service_unavailable with Retry-After before any
// room is made for it, small bodies still pass, and the room comes back when a request is
// answered or its connection fails.
func TestBodyMemoryIsBoundedAcrossConnections(t *testing.T) {
	const (
		mib    = 1 << 20
		budget = 2 * mib
	)
	srv := &fasthttp.Server{Handler: ok, MaxRequestBodySize: 2 * mib, ReadTimeout: 10 * time.Second}
	edge.ConfigureServer(srv, discard())
	mem := edge.LimitBodyMemory(srv, budget)
	addr := serve(t, srv)

	// Two connections declare 1 MiB each and send a little of it: the budget is spent.
	var stalled []net.Conn
	for i := range 2 {
		stalled = append(stalled, declare(t, addr, mib))
		waitFor(t, func() bool { return mem.InFlight() == int64(i+1)*mib }, "1 MiB more held")
	}
	resp := sendDeclared(t, addr, mib, "chunk of a large body")
	wantError(t, resp, fasthttp.StatusServiceUnavailable, httpx.CodeUnavailable)
	if mem.Refusals() != 1 || mem.InFlight() != budget {
		t.Errorf("after the refusal: %d refusals, %d bytes held", mem.Refusals(), mem.InFlight())
	}
	if ra := string(resp.Header.Peek("Retry-After")); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	// A chunked body of unknown length counts as the largest the route takes.
	resp = raw(t, addr, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	wantError(t, resp, fasthttp.StatusServiceUnavailable, httpx.CodeUnavailable)

	// Small bodies (a login, a send, most webhooks) are not held back by large ones.
	if resp := call(t, addr, request{method: "POST", path: "/x", body: []byte(`{"small":true}`)}); resp.StatusCode() != 200 {
		t.Fatalf("small body while the budget is spent: %d %s", resp.StatusCode(), resp.Body())
	}

	// A connection failing mid-body gives its room back.
	_ = stalled[0].Close()
	waitFor(t, func() bool { return mem.InFlight() == mib }, "the room of a failed connection given back")
	// An answered request gives its room back: more whole bodies than the budget holds, in turn.
	for i := range 4 {
		if resp := call(t, addr, request{method: "POST", path: "/x", body: make([]byte, mib)}); resp.StatusCode() != 200 {
			t.Fatalf("body %d of 1 MiB after others were answered: %d %s", i, resp.StatusCode(), resp.Body())
		}
	}
	// Too large for the route is still 413, not 503.
	wantError(t, sendDeclared(t, addr, 4*mib, "x"), fasthttp.StatusRequestEntityTooLarge, httpx.CodePayloadTooLarge)
}

// declare opens a connection that declares a body of n bytes and sends only its first few.
func declare(t *testing.T, addr string, n int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if _, err := fmt.Fprintf(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n{\"a\":", n); err != nil {
		t.Fatal(err)
	}
	return c
}

// sendDeclared declares a body of n bytes and sends part of it: the server answers from
// the headers, without waiting for the rest.
func sendDeclared(t *testing.T, addr string, n int, part string) *fasthttp.Response {
	t.Helper()
	return raw(t, addr, fmt.Sprintf("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", n, part))
}

// waitFor polls cond until it holds, for up to 5 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5 s: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
