package engine_test

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/engine/enginetest"
)

// Request bodies in flight hold at most BODY_MEMORY_LIMIT together: connections that
// declare a webhook's 3 MB body (the server makes room for 4 MiB each) and trickle it fill
// the bound, the next one declaring a large body is answered 503 service_unavailable with
// Retry-After in the envelope before any room is made for it, requests without a large body
// still pass, and /metrics shows the bytes held. Before, only per-request and per-address
// bounds existed: clients from many addresses pinned connections × 4 MiB.
func TestBodyMemoryInFlightIsBounded(t *testing.T) {
	const slowConns = 8 // × 4 MiB = the 32 MiB bound
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
		Env: map[string]string{"BODY_MEMORY_LIMIT": "32MiB"}})
	addr := n.Engine.Addr()
	for range slowConns {
		c := dial(t, addr)
		if _, err := io.WriteString(c, "POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n{"); err != nil {
			t.Fatal(err)
		}
	}
	var held string
	eventually(t, 5*time.Second, func() bool {
		held = metric(t, addr, "switchboard_http_body_bytes_in_flight")
		return held == strconv.Itoa(32<<20) || held == "3.3554432e+07"
	}, func() string { return "bytes in flight: " + held })

	c := dial(t, addr)
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "POST /api/v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	resp := &fasthttp.Response{}
	if err := resp.Read(bufio.NewReader(c)); err != nil {
		t.Fatalf("reading the refusal: %v", err)
	}
	var env struct {
		Success bool `json:"success"`
		Error   struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if resp.StatusCode() != fasthttp.StatusServiceUnavailable || json.Unmarshal(resp.Body(), &env) != nil ||
		env.Success || env.Error.Code != "service_unavailable" {
		t.Fatalf("body past the bound: %d %s, want 503 service_unavailable", resp.StatusCode(), resp.Body())
	}
	if s, err := strconv.Atoi(string(resp.Header.Peek("Retry-After"))); err != nil || s < 1 {
		t.Fatalf("Retry-After = %q", resp.Header.Peek("Retry-After"))
	}
	if got := metric(t, addr, "switchboard_http_body_memory_refusals_total"); got != "1" {
		t.Errorf("refusals counted: %q", got)
	}
	if resp := get(t, addr, "/api/v1/health"); resp.StatusCode() != fasthttp.StatusOK {
		t.Fatalf("health while the bound is reached: %d %s", resp.StatusCode(), resp.Body())
	}
}

// metric reads one unlabelled sample from /metrics.
func metric(t *testing.T, addr, name string) string {
	t.Helper()
	resp := get(t, addr, "/metrics")
	for line := range strings.Lines(string(resp.Body())) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			return v
		}
	}
	t.Fatalf("/metrics has no %s:\n%s", name, resp.Body())
	return ""
}
