package rest

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// The bearer token is read from exactly one Authorization header. With two, which one counts
// would be a choice the client cannot see (the first won before): none does, and the request
// is unauthenticated.
func TestBearerOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []string
		token   string
	}{
		{"one", []string{"Bearer abc"}, "abc"},
		{"scheme in any case", []string{"bearer abc"}, "abc"},
		{"spaces around the token", []string{"Bearer   abc  "}, "abc"},
		{"none", nil, ""},
		{"empty", []string{""}, ""},
		{"no token", []string{"Bearer "}, ""},
		{"another scheme", []string{"Basic YTpi"}, ""},
		{"two, both bearer", []string{"Bearer abc", "Bearer def"}, ""},
		{"two, the same", []string{"Bearer abc", "Bearer abc"}, ""},
		{"two, one empty", []string{"Bearer abc", ""}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h fasthttp.RequestHeader
			for _, v := range tc.headers {
				h.Add(fasthttp.HeaderAuthorization, v)
			}
			token, ok := bearerOf(&h)
			if token != tc.token || ok != (tc.token != "") {
				t.Fatalf("bearerOf = %q, %v; want %q", token, ok, tc.token)
			}
		})
	}
}
