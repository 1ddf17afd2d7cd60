package edge_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
)

// TestLimitConnsPerIP accepts connections through the wrapper on a real socket: an address's
// connections beyond the bound are answered 429 in the envelope and closed, a closed
// connection gives its place back exactly once however often it is closed, and 0 is no bound.
func TestLimitConnsPerIP(t *testing.T) {
	inner, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inner.Close() })
	if edge.LimitConnsPerIP(inner, 0, discard()) != inner {
		t.Fatal("a bound of 0 wrapped the listener")
	}
	ln := edge.LimitConnsPerIP(inner, 2, discard())
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	addr := inner.Addr().String()
	admitted := func() net.Conn {
		t.Helper()
		client, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.Close() })
		select {
		case c := <-accepted:
			return c
		case <-time.After(5 * time.Second):
			t.Fatal("connection within the bound not accepted")
			return nil
		}
	}
	refused := func() {
		t.Helper()
		client, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		_ = client.SetDeadline(time.Now().Add(5 * time.Second))
		resp := &fasthttp.Response{}
		if err := resp.Read(bufio.NewReader(client)); err != nil {
			t.Fatalf("reading the refusal: %v", err)
		}
		wantError(t, resp, fasthttp.StatusTooManyRequests, "rate_limited")
		for _, h := range []string{"Retry-After", "X-Request-Id", "X-Content-Type-Options"} {
			if len(resp.Header.Peek(h)) == 0 {
				t.Errorf("refusal without %s:\n%s", h, resp.Header.String())
			}
		}
		if !resp.ConnectionClose() {
			t.Error("refusal does not say Connection: close")
		}
		select {
		case c := <-accepted:
			t.Fatalf("connection beyond the bound accepted: %v", c.RemoteAddr())
		case <-time.After(50 * time.Millisecond):
		}
	}

	a, _ := admitted(), admitted()
	refused()
	// Closed twice (a server closing on error, then on shutdown): one place back, not two.
	_ = a.Close()
	_ = a.Close()
	admitted()
	refused()
}
