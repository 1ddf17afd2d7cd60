package engine_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
)

// seedToken is the placeholder access token `switchboard seed` gives the demo tenant
// (API.md); fakemeta's binary grants it by default, and so does this test.
const seedToken = "EAAdemo-placeholder-access-token"

// Kill -9 in the middle of a burst of sends, then restart: every message accepted with a
// 202 reaches Meta exactly once (fakemeta counts each of our ids, carried as callback
// data) and ends sent. The kill lands, on both stores and in every run, with messages in
// each of the three states a crash can leave them in:
//
//   - sent: Meta answered and the outbox says sent; never sent again;
//   - in flight: claimed (sending), received by Meta, its answer held back (answerGate) when
//     the process dies; reconciled after the restart by the status webhooks Meta keeps
//     retrying (its statuses come late, so they reach only the restarted process);
//   - queued: never left; sent after the restart.
//
// Before, on MongoDB every message was in flight at the kill (a 3 s latency) and on the
// embedded store the kill landed wherever a 30 ms latency put it; a previous helper saw
// all 20 messages reach Meta before the kill in ~70 % of MongoDB runs, so the reconcile
// path ran in only ~30 % of them.
func TestKillDuringSendBurstSendsEachMessageOnce(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			port := freePort(t)
			cfg := fakemeta.DefaultConfig()
			cfg.AppSecret = appSecret
			cfg.CallbackURL = fmt.Sprintf("http://127.0.0.1:%d/api/v1/webhook", port)
			// Statuses after the kill: the in-flight sends' evidence reaches only the restarted
			// process, within its reconcile wait (which must outlast Meta's status delay,
			// OUTBOUND.md, or the reconciler resends what Meta has).
			cfg.Statuses = fakemeta.StatusConfig{SentDelay: 4 * time.Second, DeliveredDelay: 4500 * time.Millisecond, SkipRead: true}
			reconcile := "12s"
			// Meta retries webhooks for days; here for long enough to outlive the restart.
			cfg.Webhooks = fakemeta.WebhookConfig{Attempts: 400, Backoff: 50 * time.Millisecond, MaxBackoff: 250 * time.Millisecond, Timeout: 2 * time.Second}
			meta := fakemeta.New(cfg)
			if err := meta.Start(""); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = meta.Close() })
			meta.AddNumber(phoneA, wabaA, "15550123456", seedToken)
			gate := newAnswerGate(t, meta.URL())

			env := append(os.Environ(),
				"APP_ENV=test", "HOST=127.0.0.1", "ADMIN_ADDR=", "LOG_LEVEL=warn", "BCRYPT_COST=10",
				"JWT_SECRET=crash-test-jwt-secret-0123456789abcdef", "ENCRYPTION_KEY="+strings.Repeat("5a", 32),
				"META_APP_SECRET=crash-test-meta-secret", "WHATSAPP_APP_SECRET="+appSecret,
				"WHATSAPP_VERIFY_TOKEN=crash-verify", "DATA_DIR="+t.TempDir(),
				"RATE_LIMIT_API=100000/1m", "RATE_LIMIT_SEND=100000/1m", "RATE_LIMIT_MESSAGE_FETCH=100000/1m",
				"META_GRAPH_URL="+gate.url, "OUTBOUND_RECONCILE_AFTER="+reconcile)
			if b == enginetest.Mongo {
				// A kill inside a conditional write leaves its fence: short-lived here.
				uri, db := testenv.MongoURI(t), testenv.UniqueName("sbsendcrash_")
				env = append(env, "MONGODB_URI="+uri, "MONGODB_DATABASE="+db, "MONGODB_FENCE_LEASE="+crashFenceLease)
				t.Cleanup(func() { enginetest.DropDatabase(t, uri, db) })
			}
			seed := exec.Command(testenv.SwitchboardBinary(t), "seed")
			seed.Env = env
			if out, err := seed.CombinedOutput(); err != nil {
				t.Fatalf("seed: %v\n%s", err, out)
			}

			p := startProcess(t, env, func() int { return port })
			c := enginetest.NewClient(t, p.base)
			admin, agent := c.Login(adminEmail, adminPassword), c.Login(agentEmail, agentPassword)
			var me meView
			c.Get("/api/v1/auth/me", agent).Data(t, &me)

			// A customer's messages go one at a time, in order (a lane, OUTBOUND.md): with
			// every answer held, each customer has exactly one message at Meta.
			const users, each = 4, 5
			convs := make([]string, users)
			for u := range users {
				waID := fmt.Sprintf("55119100000%02d", u)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := meta.SendInbound(ctx, phoneA, waID, "User", "hi")
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				convs[u] = actors.ConversationID(me.User.TenantID, waID)
				eventually(t, 30*time.Second, func() bool { return c.Get("/api/v1/conversations/"+convs[u], admin).Status == 200 },
					func() string { return "conversation " + convs[u] + " never appeared" })
			}

			// The burst: every send answered 202 before the kill, no answer from Meta yet.
			ids := make(chan queuedView, users*each)
			var wg sync.WaitGroup
			for _, conv := range convs {
				wg.Go(func() {
					for i := range each {
						res := c.Post("/api/v1/messages/send", agent, map[string]any{"conversationId": conv, "body": fmt.Sprint("burst ", i)})
						if res.Status != 202 {
							t.Errorf("send: %d %s", res.Status, res.Body)
							return
						}
						var d struct{ Message queuedView }
						res.Data(t, &d)
						ids <- d.Message
					}
				})
			}
			wg.Wait()
			close(ids)
			if t.Failed() {
				return
			}
			var all []string
			convOf := map[string]string{}
			for m := range ids {
				all = append(all, m.ID)
				convOf[m.ID] = m.ConversationID
			}

			// Each customer's first message reaches Meta and is answered; its second then
			// reaches Meta and is held. Then: users sent, users in flight, the rest queued.
			eventually(t, 30*time.Second, func() bool { return len(gate.Held()) == users },
				func() string {
					return fmt.Sprintf("%d sends held at Meta, want the first of each of %d customers", len(gate.Held()), users)
				})
			first := gate.Held()
			gate.Release(users)
			eventually(t, 30*time.Second, func() bool {
				held := gate.Held()
				if len(held) != users {
					return false
				}
				for id := range first {
					if held[id] || deliveryState(t, c, admin, convOf[id], id) != persistence.OutboxSent {
						return false
					}
				}
				return true
			}, func() string {
				return fmt.Sprintf("after releasing the first answers: %d held, states %v", len(gate.Held()), deliveryStates(t, c, admin, all, convOf))
			})
			inFlight := gate.Held()
			states := deliveryStates(t, c, admin, all, convOf)
			for _, id := range all {
				want := persistence.OutboxQueued
				switch {
				case first[id]:
					want = persistence.OutboxSent
				case inFlight[id]:
					want = persistence.OutboxSending
				}
				if states[id] != want {
					t.Fatalf("before the kill, message %s is %q, want %q (states %v)", id, states[id], want, states)
				}
			}
			atKill := len(meta.Sent(phoneA))
			p.kill(t)
			if atKill != 2*users {
				t.Fatalf("Meta had %d sends at the kill, want %d (one answered and one held per customer)", atKill, 2*users)
			}
			gate.Open()

			p2 := startProcess(t, env, func() int { return port })
			c2 := enginetest.NewClient(t, p2.base)
			admin2 := c2.Login(adminEmail, adminPassword)
			eventually(t, 60*time.Second, func() bool {
				n := sentTimes(meta, phoneA)
				for _, id := range all {
					if n[id] != 1 {
						return n[id] > 1 // a double send fails below at once
					}
				}
				return true
			}, func() string {
				// What the engine says of each: its status and delivery (the outbox row's
				// attempts, last error and next attempt), with the engine's log below.
				n, missing, seen := sentTimes(meta, phoneA), 0, ""
				for _, id := range all {
					if n[id] == 0 {
						missing++
						r := c2.Get("/api/v1/messages/"+convOf[id]+"/"+id, admin2)
						seen += fmt.Sprintf("\n  %s: %d %s", id, r.Status, r.Body)
					}
				}
				return fmt.Sprintf("%d of %d messages never reached Meta (%d had reached it at the kill):%s", missing, len(all), atKill, seen)
			})
			// Settled everywhere: every message shows Meta's statuses in its conversation and
			// its outbox row is sent, so nothing is left queued, in flight or unknown that
			// could still go out again.
			for _, conv := range convs {
				eventually(t, 60*time.Second, func() bool {
					for _, m := range firstPage(t, c2, admin2, conv) {
						if m.Direction == "outbound" && !within(m.Status, "sent", "delivered", "read") {
							return false
						}
					}
					return true
				}, func() string { return conv + ": messages not settled after the restart" })
			}
			eventually(t, 60*time.Second, func() bool {
				for _, st := range deliveryStates(t, c2, admin2, all, convOf) {
					if st != persistence.OutboxSent {
						return false
					}
				}
				return true
			}, func() string {
				return fmt.Sprintf("outbox not settled: %v", deliveryStates(t, c2, admin2, all, convOf))
			})
			for id, n := range sentTimes(meta, phoneA) {
				if n != 1 {
					t.Fatalf("message %s reached Meta %d times", id, n)
				}
			}
			t.Logf("%d messages: %d sent, %d in flight, %d queued at the kill", len(all), len(first), len(inFlight), len(all)-len(first)-len(inFlight))
		})
	}
}

// deliveryState is a message's outbox state as GET /messages/:conversationId/:messageId
// shows it ("" without a delivery).
func deliveryState(t *testing.T, c *enginetest.Client, token, conv, id string) persistence.OutboxState {
	t.Helper()
	r := c.Get("/api/v1/messages/"+conv+"/"+id, token)
	if r.Status != 200 {
		t.Fatalf("message %s: %d %s", id, r.Status, r.Body)
	}
	var d struct {
		Delivery *struct{ State persistence.OutboxState }
	}
	r.Data(t, &d)
	if d.Delivery == nil {
		return ""
	}
	return d.Delivery.State
}

func deliveryStates(t *testing.T, c *enginetest.Client, token string, ids []string, convOf map[string]string) map[string]persistence.OutboxState {
	t.Helper()
	out := make(map[string]persistence.OutboxState, len(ids))
	for _, id := range ids {
		out[id] = deliveryState(t, c, token, convOf[id], id)
	}
	return out
}

// firstPage is the newest 100 messages of a conversation.
func firstPage(t *testing.T, c *enginetest.Client, token, conv string) []messageView {
	t.Helper()
	r := c.Get("/api/v1/messages/"+conv+"?limit=100", token)
	if r.Status != 200 {
		t.Fatalf("messages: %d %s", r.Status, r.Body)
	}
	var ms []messageView
	r.Data(t, &ms)
	return ms
}
