package engine_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/mongo"
)

// seedToken is the placeholder access token `switchboard seed` gives the demo tenant
// (API.md); fakemeta's binary grants it by default, and so does this test.
const seedToken = "EAAdemo-placeholder-access-token"

// Kill -9 in the middle of a burst of sends, then restart: every message accepted with a
// 202 reaches Meta exactly once (fakemeta counts each of our ids, carried as callback
// data). Messages the dead process had claimed are reconciled: those Meta had received are
// settled by the status webhooks Meta keeps retrying while the engine is down; those that
// never left are sent once the reconcile wait is over.
//
// On the embedded store the kill lands anywhere in the burst. On MongoDB it lands while
// every message is claimed and waiting for Meta's (slow) answer: a kill inside a conditional
// write leaves a fence that holds its row for a minute (OUTBOUND.md), which the sender
// survives, but a test should not wait for.
func TestKillDuringSendBurstSendsEachMessageOnce(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			port := freePort(t)
			cfg := fakemeta.DefaultConfig()
			cfg.AppSecret = appSecret
			cfg.CallbackURL = fmt.Sprintf("http://127.0.0.1:%d/api/v1/webhook", port)
			cfg.Latency = 30 * time.Millisecond // sends are in flight when the process dies
			reconcile := "2s"
			if b == enginetest.Mongo {
				// Every claim done, no answer yet: no write in flight at the kill. The wait
				// must outlast Meta's answer, or the reconciler would resend what Meta is
				// still processing (OUTBOUND.md: the wait must exceed Meta's status delay).
				cfg.Latency, reconcile = 3*time.Second, "8s"
			}
			cfg.Statuses.SkipRead = true
			// Meta retries webhooks for days; here for long enough to outlive the restart.
			cfg.Webhooks = fakemeta.WebhookConfig{Attempts: 400, Backoff: 50 * time.Millisecond, MaxBackoff: 250 * time.Millisecond, Timeout: 2 * time.Second}
			meta := fakemeta.New(cfg)
			if err := meta.Start(""); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = meta.Close() })
			meta.AddNumber(phoneA, wabaA, "15550123456", seedToken)

			var uri, db string
			env := append(os.Environ(),
				"APP_ENV=test", "HOST=127.0.0.1", "ADMIN_ADDR=", "LOG_LEVEL=warn", "BCRYPT_COST=10",
				"JWT_SECRET=crash-test-jwt-secret-0123456789abcdef", "ENCRYPTION_KEY="+strings.Repeat("5a", 32),
				"META_APP_SECRET=crash-test-meta-secret", "WHATSAPP_APP_SECRET="+appSecret,
				"WHATSAPP_VERIFY_TOKEN=crash-verify", "DATA_DIR="+t.TempDir(),
				"RATE_LIMIT_API=100000/1m", "RATE_LIMIT_SEND=100000/1m",
				"META_GRAPH_URL="+meta.URL(), "OUTBOUND_RECONCILE_AFTER="+reconcile)
			if b == enginetest.Mongo {
				uri, db = testenv.MongoURI(t), testenv.UniqueName("sbsendcrash_")
				env = append(env, "MONGODB_URI="+uri, "MONGODB_DATABASE="+db)
				t.Cleanup(func() { enginetest.DropDatabase(t, uri, db) })
			}
			seed := exec.Command(testenv.SwitchboardBinary(t), "seed")
			seed.Env = env
			if out, err := seed.CombinedOutput(); err != nil {
				t.Fatalf("seed: %v\n%s", err, out)
			}

			p := startProcess(t, env, port)
			c := enginetest.NewClient(t, p.base)
			admin, agent := c.Login(adminEmail, adminPassword), c.Login(agentEmail, agentPassword)
			var me meView
			c.Get("/api/v1/auth/me", agent).Data(t, &me)

			// A customer's messages go one at a time (in order), so "every message in flight"
			// needs a customer per message.
			users, each := 5, 12
			if b == enginetest.Mongo {
				users, each = 20, 1
			}
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

			// The burst: every send answered 202 before the kill.
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
			if b == enginetest.Mongo {
				store, err := mongo.Open(context.Background(), uri, db)
				if err != nil {
					t.Fatal(err)
				}
				eventually(t, 30*time.Second, func() bool {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					rows, err := store.Outbox().ListByState(ctx, me.User.TenantID, persistence.OutboxSending, users*each)
					return err == nil && len(rows) == users*each
				}, func() string {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					out := "the burst never had every message in flight:"
					for _, st := range []persistence.OutboxState{persistence.OutboxQueued, persistence.OutboxSending, persistence.OutboxSent, persistence.OutboxUnknown, persistence.OutboxFailed} {
						rows, err := store.Outbox().ListByState(ctx, me.User.TenantID, st, 1000)
						out += fmt.Sprintf(" %s=%d(%v)", st, len(rows), err)
					}
					return out + fmt.Sprintf(" fakemeta accepted %d", len(meta.Sent(phoneA)))
				})
				_ = store.Close(context.Background())
			} else {
				eventually(t, 30*time.Second, func() bool { return len(meta.Sent(phoneA)) >= users*each/4 },
					func() string { return "the burst never started" })
			}
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = p.cmd.Wait()
			atKill := len(meta.Sent(phoneA))
			if atKill >= users*each {
				t.Logf("every message had left before the kill; the run proves less than it should")
			}

			p2 := startProcess(t, env, port)
			c2 := enginetest.NewClient(t, p2.base)
			admin2 := c2.Login(adminEmail, adminPassword)
			var all []string
			convOf := map[string]string{}
			for m := range ids {
				all = append(all, m.ID)
				convOf[m.ID] = m.ConversationID
			}
			// Up to a minute and a half: on MongoDB a process killed inside a conditional write
			// leaves its fence, which holds that row for the fence's lease (a minute).
			eventually(t, 90*time.Second, func() bool {
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
			// Settled everywhere: every message shows Meta's statuses in its conversation, so
			// nothing is left queued, in flight or unknown that could still go out again.
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
			for id, n := range sentTimes(meta, phoneA) {
				if n != 1 {
					t.Fatalf("message %s reached Meta %d times", id, n)
				}
			}
			t.Logf("%d messages, %d accepted by Meta before the kill", len(all), atKill)
		})
	}
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
