package edge_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

func TestRequestID(t *testing.T) {
	addr := serveHandler(t, httpx.Chain(func(ctx *fasthttp.RequestCtx) {
		httpx.Fail(ctx, httpx.NotFound("Item")) // the envelope must carry the id too
	}, edge.RequestID()))
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)

	tests := []struct {
		name, incoming string
		keep           bool
	}{
		{"none", "", false},
		{"sane", "req-01.ABC_z", true},
		{"64 chars", strings.Repeat("a", 64), true},
		{"65 chars", strings.Repeat("a", 65), false},
		{"space", "a b", false},
		{"header injection", "a\\r\\nSet-Cookie:x", false},
		{"unicode", "idé", false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.incoming != "" {
				headers = []string{edge.HeaderRequestID, tt.incoming}
			}
			resp := call(t, addr, request{path: "/x", headers: headers})
			id := string(resp.Header.Peek(edge.HeaderRequestID))
			if tt.keep && id != tt.incoming {
				t.Fatalf("id %q, want the incoming %q", id, tt.incoming)
			}
			if !tt.keep && !generated.MatchString(id) {
				t.Fatalf("id %q, want 16 generated hex digits", id)
			}
			if e := wantError(t, resp, fasthttp.StatusNotFound, httpx.CodeNotFound); e.Error.RequestID != id {
				t.Fatalf("envelope requestId %q, header %q", e.Error.RequestID, id)
			}
			if !tt.keep {
				if seen[id] {
					t.Fatalf("id %q generated twice", id)
				}
				seen[id] = true
			}
		})
	}
}
