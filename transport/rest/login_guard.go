package rest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

// Logins are limited per client IP (RateAuth, every attempt), which does not stop a guesser
// with many addresses. Per account, only failed attempts count (RateLoginAccount): beyond
// the rule the account is under attack, and an address that failed on it within the window
// is refused before its password is checked, while any other gets its try. So a guesser
// spread over many addresses gets one guess per address per window instead of the per-IP
// budget, and the account's owner, from an address that has not been failing, still logs in:
// an attacker cannot lock an account by failing on it. Failures are counted once bcrypt has
// answered, so guesses an address sends together would all pass a mere look: while the
// account is under attack, each address has one check in flight at a time (loginInFlight). An
// account that was never failed on costs one Peek per login.

// loginInFlight is how long an address's check of an account under attack holds off its
// next one: longer than a bcrypt check takes, short enough for the owner's second try.
const loginInFlight = 5 * time.Second

// loginGuard is one login attempt's view of the per-account limit.
type loginGuard struct {
	s             *Server
	account, pair string // limiter keys: the account, and the account from this address
	accountRule   ratelimit.Rule
	pairRule      ratelimit.Rule
	inFlightRule  ratelimit.Rule
	off           bool
}

// loginGuard prepares the per-account checks of a login for email from ctx's client.
func (s *Server) loginGuard(ctx *fasthttp.RequestCtx, email string) loginGuard {
	rule := s.opts.RateLoginAccount
	if s.opts.Limiter == nil || rule.Limit == 0 {
		return loginGuard{off: true}
	}
	account := accountKey(email)
	return loginGuard{
		s: s, account: account, pair: account + "|" + s.ipKey(ctx),
		accountRule: rule,
		// One failure marks the address as failing on the account for the window.
		pairRule:     ratelimit.Rule{Name: rule.Name + "_ip", Limit: 1, Window: rule.Window},
		inFlightRule: ratelimit.Rule{Name: rule.Name + "_inflight", Limit: 1, Window: loginInFlight},
	}
}

// refused answers 429 and reports true when the account is under attack and this address
// has failed on it. A limiter in trouble refuses nothing, as edge.RateLimit does.
func (g loginGuard) refused(ctx *fasthttp.RequestCtx) bool {
	if g.off {
		return false
	}
	acct, err := g.s.opts.Limiter.Peek(context.Background(), g.accountRule, g.account)
	if err != nil || acct.Allowed {
		return false
	}
	pair, err := g.s.opts.Limiter.Peek(context.Background(), g.pairRule, g.pair)
	if err == nil && !pair.Allowed {
		edge.Limited(ctx, min(acct.RetryAfter, pair.RetryAfter), "Too many failed logins for this account from this address")
		return true
	}
	// A clean address: its one check, not several at once.
	inFlight, err := g.s.opts.Limiter.Allow(context.Background(), g.inFlightRule, g.pair)
	if err != nil || inFlight.Allowed {
		return false
	}
	edge.Limited(ctx, inFlight.RetryAfter, "A login for this account from this address is being checked")
	return true
}

// failed counts a wrong password against the account and the address.
func (g loginGuard) failed() {
	if g.off {
		return
	}
	_, _ = g.s.opts.Limiter.Allow(context.Background(), g.accountRule, g.account)
	_, _ = g.s.opts.Limiter.Allow(context.Background(), g.pairRule, g.pair)
}

// accountKey is the rate-limit key of the account an email names, normalised as accounts
// looks users up, so "Ana@X.com " and "ana@x.com" share one budget. Hashed: limiter keys
// live in Redis, and a counter needs no email address in clear.
func accountKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "acct:" + hex.EncodeToString(sum[:16])
}
