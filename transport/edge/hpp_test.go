package edge_test

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/httpx"
)

func TestHPP(t *testing.T) {
	addr := serveHandler(t, httpx.Chain(ok, edge.RequestID(), edge.HPP("status")))
	tests := []struct {
		query  string
		fields []string // duplicated parameters named in details; nil means accepted
	}{
		{"", nil},
		{"?page=1&limit=20", nil},
		{"?status=open&status=pending", nil}, // allow-listed
		{"?role=agent&role=platform_admin", []string{"role"}},
		{"?a=1&b=2&a=3&b=4&a=5", []string{"a", "b"}},
		{"?%61=1&a=2", []string{"a"}}, // the same name percent-encoded
		{"?page&page", []string{"page"}},
		{"?" + strings.Repeat("x=1&", 500), []string{"x"}},
	}
	for _, tt := range tests {
		name := tt.query
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			resp := call(t, addr, request{path: "/search" + tt.query})
			if tt.fields == nil {
				if resp.StatusCode() != fasthttp.StatusOK {
					t.Fatalf("status %d: %s", resp.StatusCode(), resp.Body())
				}
				return
			}
			e := wantError(t, resp, fasthttp.StatusBadRequest, httpx.CodeDuplicateParam)
			if len(e.Error.Details) != len(tt.fields) {
				t.Fatalf("details %+v, want fields %v", e.Error.Details, tt.fields)
			}
			for i, f := range tt.fields {
				if e.Error.Details[i].Field != f || !strings.Contains(e.Message, `"`+f+`"`) {
					t.Errorf("detail %d %+v / message %q, want field %q named", i, e.Error.Details[i], e.Message, f)
				}
			}
		})
	}
}
