package engine_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/internal/testenv"
)

// The 11th login from one IP in 15 minutes answers 429 with Retry-After, on one node with
// the in-memory limiter, and across two nodes sharing Redis.
func TestLoginRateLimit(t *testing.T) {
	t.Run("single node", func(t *testing.T) {
		n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
		n.Seed()
		assertLoginLimit(t, []*enginetest.Node{n})
	})
	t.Run("two nodes share Redis", func(t *testing.T) {
		// A cluster name of its own gives this run a fresh Redis key space.
		shared := map[string]string{"RATE_LIMIT_AUTH": "10/15m", "CLUSTER_NAME": testenv.UniqueName("rl")}
		a := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded, Redis: true, Env: shared})
		b := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded, Redis: true, Env: shared})
		a.Seed()
		b.Seed()
		assertLoginLimit(t, []*enginetest.Node{a, b})
	})
}

func assertLoginLimit(t *testing.T, nodes []*enginetest.Node) {
	t.Helper()
	for i := range 10 {
		n := nodes[i%len(nodes)]
		r := n.Post("/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": "Wrong@123456"})
		if r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := nodes[len(nodes)-1].Post("/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword})
	if r.Status != 429 || r.Code() != "rate_limited" {
		t.Fatalf("11th login: %d %s", r.Status, r.Body)
	}
	if s, err := strconv.Atoi(r.Header["Retry-After"]); err != nil || s < 1 || s > 15*60 {
		t.Fatalf("Retry-After = %q", r.Header["Retry-After"])
	}
}

// Requests without a valid token count against their IP (the per-user limit cannot apply to
// them): beyond RATE_LIMIT_AUTH_FAILURES they are answered 429, while a valid token from the
// same address still gets through.
func TestRequestsWithoutAValidTokenAreLimited(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded, Env: map[string]string{"RATE_LIMIT_AUTH_FAILURES": "5/15m"}})
	n.Seed()
	admin := n.Login(adminEmail, adminPassword)
	for i := range 5 {
		if r := n.Get("/api/v1/auth/me", "not-a-token-"+strconv.Itoa(i)); r.Status != 401 {
			t.Fatalf("probe %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := n.Get("/api/v1/auth/me", "")
	if r.Status != 429 || r.Code() != "rate_limited" || r.Header["Retry-After"] == "" {
		t.Fatalf("6th request without a valid token: %d %s", r.Status, r.Body)
	}
	if r := n.Get("/api/v1/auth/me", admin); r.Status != 200 {
		t.Fatalf("a valid token from the same address: %d %s", r.Status, r.Body)
	}
}

// Logins are limited per account too, whatever the address: a guesser with many IPs meets
// RATE_LIMIT_LOGIN_ACCOUNT on the account it guesses, written in any case or spacing,
// while other accounts log in as usual. (The test's requests all come from one address,
// so the per-IP rule is lifted to see the per-account one alone.)
func TestLoginLimitPerAccount(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
		Env: map[string]string{"RATE_LIMIT_AUTH": "1000/15m", "RATE_LIMIT_LOGIN_ACCOUNT": "3/15m"}})
	n.Seed()
	for i, email := range []string{adminEmail, strings.ToUpper(adminEmail), " " + adminEmail} {
		if r := n.Post("/api/v1/auth/login", "", map[string]string{"email": email, "password": "Wrong@123456"}); r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := n.Post("/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword})
	if r.Status != 429 || r.Code() != "rate_limited" || r.Header["Retry-After"] == "" {
		t.Fatalf("4th login to the account: %d %s", r.Status, r.Body)
	}
	n.Login(agentEmail, agentPassword) // another account: unaffected
}
