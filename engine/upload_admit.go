package engine

import (
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/auth"
)

// bearerVerifies admits a request to a route's larger body bounds when its Authorization
// bearer token verifies (signature, issuer, expiry), from the headers alone, before the body
// is read: the edge checks the token again, with the directory, once it has the body.
func bearerVerifies(t *auth.Tokens) func(*fasthttp.RequestHeader) bool {
	return func(h *fasthttp.RequestHeader) bool {
		token, ok := strings.CutPrefix(string(h.Peek(fasthttp.HeaderAuthorization)), "Bearer ")
		if !ok || token == "" {
			return false
		}
		_, err := t.Verify(token)
		return err == nil
	}
}
