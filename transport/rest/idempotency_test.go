package rest

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// An Idempotency-Key is absent, or one header of 1–255 printable ASCII characters: an empty
// header is not "no key", and two keys name no one request.
func TestIdempotencyDetail(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []string
		ok   bool
	}{
		{"absent", nil, true},
		{"a UUID", []string{"2f1c9f5e-8a0b-4c1d-9e7f-3a2b1c0d4e5f"}, true},
		{"spaces inside", []string{"order 8812 shipped"}, true},
		{"255 characters", []string{strings.Repeat("k", 255)}, true},
		{"empty", []string{""}, false},
		{"256 characters", []string{strings.Repeat("k", 256)}, false},
		{"a tab", []string{"order\t8812"}, false},
		{"not ASCII", []string{"pedido-nº-8812"}, false},
		{"twice", []string{"a", "b"}, false},
		{"twice the same", []string{"a", "a"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			for _, k := range tc.keys {
				ctx.Request.Header.Add(idempotencyHeader, k)
			}
			d := idempotencyDetail(&ctx)
			if (len(d) == 0) != tc.ok || (len(d) > 0 && d[0].Field != idempotencyHeader) {
				t.Fatalf("idempotencyDetail = %+v, want ok %v", d, tc.ok)
			}
		})
	}
}
