package edge_test

import (
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

// TestLimitConns accepts connections through the wrapper on a real socket (every client is
// 127.0.0.1, so the address's share and the total bound the same connections): those beyond
// the bound are answered in the envelope and closed, a closed connection gives its place back
// exactly once however often it is closed, and no bound leaves the listener as it is.
func TestLimitConns(t *testing.T) {
	cases := []struct {
		name   string
		limits edge.ConnLimits
		status int
		code   string
	}{
		{"per address", edge.ConnLimits{PerIP: 2}, fasthttp.StatusTooManyRequests, httpx.CodeRateLimited},
		{"total", edge.ConnLimits{Total: 2, PerIP: 5}, fasthttp.StatusServiceUnavailable, httpx.CodeUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inner, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = inner.Close() })
			if edge.LimitConns(inner, edge.ConnLimits{}, discard()) != inner {
				t.Fatal("no bound wrapped the listener")
			}
			accepted := acceptAll(edge.LimitConns(inner, tc.limits, discard()))
			addr := inner.Addr().String()

			a, _ := admitted(t, addr, accepted), admitted(t, addr, accepted)
			refused(t, addr, accepted, tc.status, tc.code)
			// Closed twice (a server closing on error, then on shutdown): one place back.
			_ = a.Close()
			_ = a.Close()
			admitted(t, addr, accepted)
			refused(t, addr, accepted, tc.status, tc.code)
		})
	}
}

func acceptAll(ln net.Listener) <-chan net.Conn {
	accepted := make(chan net.Conn, 8)
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	return accepted
}

func admitted(t *testing.T, addr string, accepted <-chan net.Conn) net.Conn {
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

func refused(t *testing.T, addr string, accepted <-chan net.Conn, status int, code string) {
	t.Helper()
	resp := raw(t, addr, "") // refused before a request is read
	wantError(t, resp, status, code)
	for _, h := range []string{"Retry-After", "X-Request-Id", "X-Content-Type-Options"} {
		if len(resp.Header.Peek(h)) == 0 {
			t.Errorf("refusal without %s:\n%s", h, resp.Header.String())
		}
	}
	if !resp.ConnectionClose() {
		t.Error("refusal does not say Connection: close")
	}
	// The refusal was written by Accept, which had decided not to hand the connection on:
	// nothing can arrive for it later.
	select {
	case c := <-accepted:
		t.Fatalf("connection beyond the bound accepted: %v", c.RemoteAddr())
	default:
	}
}

// TestServerAtItsConnectionLimitAnswersInTheEnvelope: with the listener bounded like the
// server's Concurrency, a connection past it gets a JSON 503 with Retry-After; fasthttp
// alone answered plain text without Retry-After.
func TestServerAtItsConnectionLimitAnswersInTheEnvelope(t *testing.T) {
	const max = 2
	srv := &fasthttp.Server{Handler: ok, Concurrency: max}
	edge.ConfigureServer(srv, discard())
	inner, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := edge.LimitConns(inner, edge.ConnLimits{Total: max}, discard())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})
	addr := inner.Addr().String()
	for range max { // requests that never finish their headers
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		if _, err := c.Write([]byte("GET /x HTTP/1.1\r\nHost: x\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	// No wait for the server to take them: it accepts in arrival order, and the listener
	// counts each at accept, so the two are counted before this one is looked at.
	resp := raw(t, addr, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
	wantError(t, resp, fasthttp.StatusServiceUnavailable, httpx.CodeUnavailable)
	if string(resp.Header.Peek("Retry-After")) != "1" {
		t.Errorf("Retry-After = %q", resp.Header.Peek("Retry-After"))
	}
}
