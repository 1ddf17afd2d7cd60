package engine_test

import (
	"strconv"
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
