package engine_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/switchboard/switchboard/actors"
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

// Failed logins are limited per account too, whatever the address: once an account has
// RATE_LIMIT_LOGIN_ACCOUNT failures in the window, an address that failed on it is refused
// before its password is checked (whatever case or spacing the email is written in), while
// an address that has not failed still gets its try: the owner logs in, and a guesser spread
// over many addresses gets one guess per address. (The per-IP rule is lifted to see this one
// alone; addresses come from X-Forwarded-For behind one trusted proxy.)
func TestLoginLimitPerAccount(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
		Env: map[string]string{"RATE_LIMIT_AUTH": "1000/15m", "RATE_LIMIT_LOGIN_ACCOUNT": "3/15m", "TRUST_PROXY": "1"}})
	n.Seed()
	login := func(from, email, password string) enginetest.Response {
		t.Helper()
		return n.Do(enginetest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: map[string]string{"X-Forwarded-For": from},
			Body: map[string]string{"email": email, "password": password}})
	}
	const attacker, owner, other = "198.51.100.66", "203.0.113.9", "192.0.2.44"
	for i, email := range []string{adminEmail, strings.ToUpper(adminEmail), " " + adminEmail} {
		if r := login(attacker, email, "Wrong@123456"); r.Status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	// Under attack: the failing address is refused, even with the right password.
	if r := login(attacker, adminEmail, adminPassword); r.Status != 429 || r.Code() != "rate_limited" || r.Header["Retry-After"] == "" {
		t.Fatalf("the failing address after 3 failures: %d %s", r.Status, r.Body)
	}
	// The owner, from an address that has not failed, logs in.
	if r := login(owner, adminEmail, adminPassword); r.Status != 200 {
		t.Fatalf("the owner from a clean address: %d %s", r.Status, r.Body)
	}
	// Another address gets one guess, then is refused too.
	if r := login(other, adminEmail, "Guess@123456"); r.Status != 401 {
		t.Fatalf("a new address's first guess: %d %s", r.Status, r.Body)
	}
	if r := login(other, adminEmail, "Guess@654321"); r.Status != 429 {
		t.Fatalf("a new address's second guess: %d %s", r.Status, r.Body)
	}
	// Guesses an address sends together get one check between them, not one each.
	var checked atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := n.Do(enginetest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: map[string]string{"X-Forwarded-For": "192.0.2.55"},
				Body: map[string]string{"email": adminEmail, "password": fmt.Sprintf("Guess@%06d", i)}})
			if r.Status == 401 {
				checked.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := checked.Load(); got > 1 {
		t.Fatalf("a new address had %d passwords checked at once on an account under attack, want 1", got)
	}
	// Other accounts are not affected.
	if r := login(attacker, agentEmail, agentPassword); r.Status != 200 {
		t.Fatalf("another account from the attacker's address: %d %s", r.Status, r.Body)
	}
}

// A send counts against RATE_LIMIT_SEND alone, the limit meant for sends: with the defaults
// (API 100/15 min, sends 60/min) counting sends against the API limit too capped them at
// 100 per 15 minutes, and an agent who had read the inbox could not send at all. Reads spend
// the API budget and not the sends'; sends spend the sends' and not the API's; a refused send
// spends nothing. The budget headers of a send name the send rule alone. A fetch of one
// message — how a client polls a send's status — counts against RATE_LIMIT_MESSAGE_FETCH
// alone likewise: against the API limit, one poll every 10 s spent an agent's whole budget
// and locked its inbox out.
func TestSendsAndMessageFetchesCountAgainstTheirOwnLimits(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
		Env: map[string]string{"RATE_LIMIT_API": "3/1h", "RATE_LIMIT_SEND": "5/1h", "RATE_LIMIT_MESSAGE_FETCH": "4/1h"}})
	n.Seed()
	agent := n.Login(agentEmail, agentPassword)
	for i := range 3 {
		if r := n.Get("/api/v1/auth/me", agent); r.Status != 200 {
			t.Fatalf("read %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := n.Get("/api/v1/auth/me", agent); r.Status != 429 || r.Code() != "rate_limited" {
		t.Fatalf("the 4th read in the window: %d %s", r.Status, r.Body)
	}
	send := func() enginetest.Response {
		return n.Post("/api/v1/messages/send", agent, map[string]string{})
	}
	// The API budget is spent; the sends' is whole.
	for i := range 5 {
		r := send()
		if r.Status != 400 { // refused by validation, after the send limit counted it
			t.Fatalf("send %d with the API budget spent: %d %s", i+1, r.Status, r.Body)
		}
		if got, want := r.Header["Ratelimit-Remaining"], strconv.Itoa(4-i); got != want {
			t.Errorf("send %d: RateLimit-Remaining %q, want %s (the send rule's)", i+1, got, want)
		}
		if got := r.Header["Ratelimit-Policy"]; got != "5;w=3600" {
			t.Errorf("send %d: RateLimit-Policy %q, want the send rule alone", i+1, got)
		}
	}
	for i := range 3 {
		if r := send(); r.Status != 429 || r.Code() != "rate_limited" || r.Header["Retry-After"] == "" {
			t.Fatalf("send %d past RATE_LIMIT_SEND: %d %s", i+6, r.Status, r.Body)
		}
	}
	// The API and send budgets are spent; the fetches' is whole.
	fetch := func() enginetest.Response {
		return n.Get("/api/v1/messages/"+actors.ConversationID(demoTenantID(t, n), userWaID)+"/wamid.X", agent)
	}
	for i := range 4 {
		r := fetch()
		if r.Status != 404 { // no such message, after the fetch limit counted it
			t.Fatalf("fetch %d with the API budget spent: %d %s", i+1, r.Status, r.Body)
		}
		if got := r.Header["Ratelimit-Policy"]; got != "4;w=3600" {
			t.Errorf("fetch %d: RateLimit-Policy %q, want the fetch rule alone", i+1, got)
		}
	}
	if r := fetch(); r.Status != 429 || r.Code() != "rate_limited" {
		t.Fatalf("fetch 5 past RATE_LIMIT_MESSAGE_FETCH: %d %s", r.Status, r.Body)
	}
}

// A node whose Redis does not answer at start starts all the same, as one whose Redis goes
// away later keeps serving: Redis holds only the rate limits, which fall back to the node's
// memory (still enforced, per node) and say so in /health, instead of the node refusing to
// start and a Redis outage during a deploy or a crash restart taking the API down.
func TestNodeStartsWhileRedisIsDown(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded, Env: map[string]string{
		"REDIS_URL": fmt.Sprintf("redis://127.0.0.1:%d/0", freePort(t)), "RATE_LIMIT_AUTH": "2/15m",
	}})
	n.Seed()
	r := n.Get("/api/v1/health", "")
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"degraded"`) ||
		!strings.Contains(string(r.Body), `"redis":{"status":"down"`) {
		t.Fatalf("health with Redis down: %d %s", r.Status, r.Body)
	}
	for i := range 2 {
		if r := n.Post("/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword}); r.Status != 200 {
			t.Fatalf("login %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := n.Post("/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword}); r.Status != 429 {
		t.Fatalf("3rd login with RATE_LIMIT_AUTH=2/15m and Redis down: %d %s (the fallback must still limit)", r.Status, r.Body)
	}
}

// Wrong METRICS_TOKEN guesses count against the address as every request without a valid
// token does: beyond RATE_LIMIT_AUTH_FAILURES, /metrics answers 429 (before, guesses at
// the token went unlimited), and the address's API probes share the same count.
func TestMetricsTokenGuessesAreLimited(t *testing.T) {
	const token = "m3tr1cs-T0ken-for-the-e2e-test-0042"
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
		Env: map[string]string{"RATE_LIMIT_AUTH_FAILURES": "5/15m", "METRICS_TOKEN": token}})
	if r := n.Get("/metrics", token); r.Status != 200 {
		t.Fatalf("/metrics with its token: %d %s", r.Status, r.Body)
	}
	for i := range 4 {
		if r := n.Get("/metrics", "guess-"+strconv.Itoa(i)); r.Status != 401 {
			t.Fatalf("guess %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := n.Get("/api/v1/auth/me", "not-a-token"); r.Status != 401 {
		t.Fatalf("5th request without a valid token: %d %s", r.Status, r.Body)
	}
	r := n.Get("/metrics", "guess-5")
	if r.Status != 429 || r.Code() != "rate_limited" || r.Header["Retry-After"] == "" {
		t.Fatalf("6th request without a valid token, to /metrics: %d %s", r.Status, r.Body)
	}
	if r := n.Get("/metrics", token); r.Status != 200 {
		t.Fatalf("/metrics with its token from the same address: %d", r.Status)
	}
}
