package edge_test

import (
	"log/slog"
	"testing"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

func TestAccessLog(t *testing.T) {
	logs := &logBuffer{}
	addr := serveHandler(t, httpx.Chain(newRouter().Handler,
		edge.RequestID(), edge.AccessLog(logs.logger(slog.LevelInfo))))

	call(t, addr, request{path: "/api/v1/items/42", headers: []string{"X-Request-Id", "trace-1"}})
	call(t, addr, request{path: "/api/v1/health"}) // debug level: not written at info
	call(t, addr, request{path: "/nowhere"})

	lines := logs.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (health checks are debug): %v", len(lines), lines)
	}
	want := map[string]any{
		"msg": "request", "level": "INFO", "method": "GET", "route": "/api/v1/items/{id}",
		"path": "/api/v1/items/42", "status": float64(200), "request_id": "trace-1",
		"remote_ip": "127.0.0.1",
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("%s = %v, want %v", k, lines[0][k], v)
		}
	}
	if b, _ := lines[0]["bytes"].(float64); b <= 0 {
		t.Errorf("bytes = %v, want the body size", lines[0]["bytes"])
	}
	if _, ok := lines[0]["duration"].(float64); !ok {
		t.Errorf("duration = %v, want a number", lines[0]["duration"])
	}
	if lines[1]["route"] != edge.Unmatched || lines[1]["status"] != float64(404) {
		t.Errorf("unknown path logged as %v", lines[1])
	}
}
