package edge_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

func TestRecoverAnswers500AndKeepsServing(t *testing.T) {
	logs := &logBuffer{}
	addr := serveHandler(t, httpx.Chain(newRouter().Handler,
		edge.RequestID(), edge.Recover(logs.logger(slog.LevelInfo)), edge.SecurityHeaders()))

	resp := call(t, addr, request{path: "/api/v1/panic", headers: []string{"X-Request-Id", "boom-1"}})
	e := wantError(t, resp, fasthttp.StatusInternalServerError, httpx.CodeInternal)
	if e.Error.RequestID != "boom-1" || strings.Contains(string(resp.Body()), "handler bug") {
		t.Fatalf("answer %s: want the request id and no panic text", resp.Body())
	}
	if len(resp.Header.Peek("X-Content-Type-Options")) == 0 {
		t.Error("headers set before the panic were lost")
	}

	lines := logs.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %v", len(lines), lines)
	}
	stack, _ := lines[0]["stack"].(string)
	if lines[0]["panic"] != "handler bug" || lines[0]["request_id"] != "boom-1" || !strings.Contains(stack, "helpers_test.go") {
		t.Fatalf("log line %v: want panic value, request id and a stack naming the handler", lines[0])
	}

	for range 3 { // the process and the server are still there
		if resp := call(t, addr, request{path: "/api/v1/items/7"}); resp.StatusCode() != fasthttp.StatusOK {
			t.Fatalf("after a panic: status %d", resp.StatusCode())
		}
	}
}
