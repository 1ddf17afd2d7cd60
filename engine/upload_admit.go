package engine

import (
	"context"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/accounts"
)

// admitTimeout bounds the directory read behind an upload's admission (rare: Authenticate
// answers from its cache on the hot path).
const admitTimeout = 2 * time.Second

// bearerAuthenticates admits a request to a route's larger body bounds when its
// Authorization bearer token authenticates — signature, issuer, expiry, and a user still
// active in an active tenant, as the edge will check again once it has the body — from the
// headers alone, before the body is read.
func bearerAuthenticates(acc *accounts.Service) func(*fasthttp.RequestHeader) bool {
	return func(h *fasthttp.RequestHeader) bool {
		token, ok := strings.CutPrefix(string(h.Peek(fasthttp.HeaderAuthorization)), "Bearer ")
		if !ok || token == "" {
			return false
		}
		ctx, cancel := context.WithTimeout(context.Background(), admitTimeout)
		defer cancel()
		_, err := acc.Authenticate(ctx, token)
		return err == nil
	}
}
