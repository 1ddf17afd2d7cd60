package engine_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/engine/enginetest"
)

// One client address holds at most MAX_CONNS_PER_IP open connections: connections that
// trickle a webhook's headers (a slowloris, each declaring a 3 MB body the server makes room
// for) fill the address's places, the next connection from it is answered 429 rate_limited
// with Retry-After in the JSON envelope, and closing one of them gives its place back.
func TestConnectionsPerAddressAreBounded(t *testing.T) {
	const max = 4
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
		Env: map[string]string{"MAX_CONNS_PER_IP": strconv.Itoa(max)}})
	addr := n.Engine.Addr()

	slow := make([]net.Conn, max)
	for i := range slow {
		c := dial(t, addr)
		if _, err := io.WriteString(c, "POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n{"); err != nil {
			t.Fatal(err)
		}
		slow[i] = c
	}
	// No wait: the listener counts a connection when it accepts it, and it accepts them in
	// the order they connected, so these are counted before the next one.

	resp := get(t, addr, "/api/v1/health")
	if resp.StatusCode() != fasthttp.StatusTooManyRequests {
		t.Fatalf("connection %d from one address: %d %s, want 429", max+1, resp.StatusCode(), resp.Body())
	}
	var env struct {
		Success bool `json:"success"`
		Error   struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(resp.Body(), &env); err != nil || env.Success || env.Error.Code != "rate_limited" {
		t.Fatalf("refusal is not the rate_limited envelope: %s (%v)", resp.Body(), err)
	}
	if s, err := strconv.Atoi(string(resp.Header.Peek("Retry-After"))); err != nil || s < 1 {
		t.Fatalf("Retry-After = %q", resp.Header.Peek("Retry-After"))
	}

	_ = slow[0].Close()
	var last *fasthttp.Response
	eventually(t, 5*time.Second, func() bool {
		last = get(t, addr, "/api/v1/health")
		return last.StatusCode() == fasthttp.StatusOK
	}, func() string {
		return fmt.Sprintf("a closed connection's place was not given back: %d %s", last.StatusCode(), last.Body())
	})
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// get sends one GET on a connection of its own and reads the answer.
func get(t *testing.T, addr, path string) *fasthttp.Response {
	t.Helper()
	c := dial(t, addr)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp := &fasthttp.Response{}
	if err := resp.Read(bufio.NewReader(c)); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp
}
