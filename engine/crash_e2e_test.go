package engine_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/internal/testenv"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// inboundText is a signed-ready inbound text webhook from one user, with a unique wamid.
func inboundText(waID, wamid, text string, ts int64) []byte {
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"104996122399160","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550123456","phone_number_id":"109881335267193"},"contacts":[{"profile":{"name":"User %s"},"wa_id":"%s"}],"messages":[{"from":"%s","id":"%s","timestamp":"%d","type":"text","text":{"body":"%s"}}]},"field":"messages"}]}]}`,
		waID, waID, waID, wamid, ts, text)
}

// crashFenceLease is MONGODB_FENCE_LEASE in the tests that kill a process: a fence the killed
// process held blocks its document for this long, not the default minute.
const crashFenceLease = "5s"

type process struct {
	cmd  *exec.Cmd
	base string
	// exited is closed once the process has ended (its one Wait has returned).
	exited chan struct{}
}

// kill ends the process with SIGKILL, no warning, and waits for it to be gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// startProcess starts `switchboard serve` on a port from ports and waits until it is
// healthy. A port is taken from a closed listener, so something may bind it before the
// engine does (another test's connection takes ports from the same range): an engine that
// exits "address already in use" is started again on ports' next answer, which for a test
// that must keep its port (Meta's callback URL names it) is the same port, later.
func startProcess(t *testing.T, env []string, ports func() int) *process {
	t.Helper()
	for try := 1; ; try++ {
		p, inUse := startOn(t, env, ports())
		if !inUse {
			return p
		}
		if try == 5 {
			t.Fatalf("the engine found its port in use %d times", try)
		}
		time.Sleep(time.Duration(try) * 200 * time.Millisecond)
	}
}

// startOn is one start of startProcess, on port; inUse reports an engine that could not bind it.
func startOn(t *testing.T, env []string, port int) (_ *process, inUse bool) {
	t.Helper()
	cmd := exec.Command(testenv.SwitchboardBinary(t), "serve")
	cmd.Env = append(env, "PORT="+strconv.Itoa(port), "LOG_LEVEL=info", "LOG_FORMAT=text")
	logf, _ := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.exited })
	logOf := func() string { b, _ := os.ReadFile(logf.Name()); return string(b) }
	t.Cleanup(func() {
		// The process's own account is what explains a failure; it lives in a temporary
		// directory removed after the test (that cleanup runs after this one).
		if t.Failed() {
			t.Logf("log of the engine process started on port %d:\n%s", port, logOf())
		}
	})
	// Ready is the engine's own word that it bound the port (its log's "listening" line,
	// hence LOG_LEVEL=info), then a healthy store; until it binds, whatever holds the port
	// may answer, so health is asked with a client of its own that fails softly.
	health := &http.Client{Timeout: 2 * time.Second}
	healthy := false
	eventually(t, 60*time.Second, func() bool {
		select {
		case <-p.exited:
			return true
		default:
		}
		if !strings.Contains(logOf(), `msg="switchboard listening"`) {
			return false
		}
		res, err := health.Get(p.base + "/api/v1/health")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		healthy = res.StatusCode == http.StatusOK
		return healthy
	}, func() string { return "engine never became healthy:\n" + logOf() })
	if healthy {
		return p, false
	}
	log := logOf()
	if !strings.Contains(log, "address already in use") {
		t.Fatalf("the engine exited before it was healthy: %v\n%s", p.cmd.ProcessState, log)
	}
	t.Logf("port %d was taken before the engine bound it; starting again", port)
	return nil, true
}

// A crash after the 200 loses nothing: webhooks acknowledged by a process that is then
// killed with SIGKILL are all visible after a restart — whether the process had only
// stored them (an ingest-only node) or was killed in the middle of processing them.
func TestCrashAfterAckLosesNothing(t *testing.T) {
	for _, b := range enginetest.Backends {
		for _, mode := range []string{"stored_not_processed", "killed_mid_processing"} {
			t.Run(string(b)+"/"+mode, func(t *testing.T) {
				env := append(os.Environ(),
					"APP_ENV=test", "HOST=127.0.0.1", "ADMIN_ADDR=", "LOG_LEVEL=warn", "BCRYPT_COST=10",
					"JWT_SECRET=crash-test-jwt-secret-0123456789abcdef", "ENCRYPTION_KEY="+strings.Repeat("5a", 32),
					"META_APP_SECRET=crash-test-meta-secret", "WHATSAPP_APP_SECRET="+appSecret,
					"WHATSAPP_VERIFY_TOKEN=crash-verify", "DATA_DIR="+t.TempDir(), "RATE_LIMIT_API=100000/1m")
				var uri, db string // the store a failure's diagnosis reads (crashGap)
				if b == enginetest.Mongo {
					uri, db = testenv.MongoURI(t), testenv.UniqueName("sbcrash_")
					// A process killed mid-processing leaves the fences of the conditional writes
					// it was inside; what they hold must come back once their lease is over,
					// which the test waits out: 5 s here, not the default minute.
					env = append(env, "MONGODB_URI="+uri, "MONGODB_DATABASE="+db, "MONGODB_FENCE_LEASE="+crashFenceLease)
					t.Cleanup(func() { enginetest.DropDatabase(t, uri, db) })
				}
				seed := exec.Command(testenv.SwitchboardBinary(t), "seed")
				seed.Env = env
				if out, err := seed.CombinedOutput(); err != nil {
					t.Fatalf("seed: %v\n%s", err, out)
				}

				process := "true"
				if mode == "stored_not_processed" {
					process = "false"
				}
				p := startProcess(t, append(env, "WEBHOOK_PROCESS="+process), func() int { return freePort(t) })
				c := enginetest.NewClient(t, p.base)
				const users, perUser = 10, 20
				var wg sync.WaitGroup
				errs := make(chan string, users*perUser)
				for u := range users {
					wg.Go(func() {
						waID := fmt.Sprintf("55119000000%02d", u)
						for i := range perUser {
							body := inboundText(waID, fmt.Sprintf("wamid.crash.%d.%d", u, i), fmt.Sprintf("msg %d", i), 1767225600+int64(i))
							r := c.Do(enginetest.Request{Method: "POST", Path: "/api/v1/webhook", Body: body,
								Header: map[string]string{graph.SignatureHeader: graph.SignatureValue(appSecret, body)}})
							if r.Status != 200 {
								errs <- fmt.Sprintf("user %d message %d: %d %s", u, i, r.Status, r.Body)
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for e := range errs {
					t.Fatal(e)
				}
				// Every webhook was acknowledged; now the process dies without warning.
				p.kill(t)

				p2 := startProcess(t, append(env, "WEBHOOK_PROCESS=true"), func() int { return freePort(t) })
				c2 := enginetest.NewClient(t, p2.base)
				admin := c2.Login(adminEmail, adminPassword)
				tenantID := func() string {
					r := c2.Get("/api/v1/auth/me", c2.Login(demoEmail, demoPassword))
					var me meView
					r.Data(t, &me)
					return me.User.TenantID
				}()
				for u := range users {
					waID := fmt.Sprintf("55119000000%02d", u)
					conv := actors.ConversationID(tenantID, waID)
					var got int
					eventually(t, 90*time.Second, func() bool {
						r := c2.Get("/api/v1/messages/"+conv+"?limit=100", admin)
						if r.Status != 200 {
							return false
						}
						got = r.Envelope.Pagination.Total
						return got == perUser
					}, func() string {
						return fmt.Sprintf("user %d: %d of %d messages after restart", u, got, perUser) + crashGap(t, c2, admin, conv, waID, uri, db)
					})
				}
			})
		}
	}
}

// An entry a peer stored and acknowledged just before it crashed (appended to the shared
// inbox, never submitted to this node) is taken up by this node's sweep once it is older than
// WEBHOOK_SWEEP_AGE, without a restart. Before, only a start replayed pending entries.
func TestCrashedPeersEntryIsTakenUp(t *testing.T) {
	for _, b := range enginetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: b, Env: map[string]string{"WEBHOOK_SWEEP_AGE": "1s"}})
			n.Seed()
			admin := n.Login(adminEmail, adminPassword)
			const user = "5511900000088"
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			entry := persistence.InboxEntry{ID: ids.NewGenerator().New(), ReceivedAt: time.Now().UTC(),
				Body: inboundText(user, "wamid.peer.1", "sent while the peer was up", 1767225600)}
			if err := n.Engine.Store().Inbox().Append(ctx, []persistence.InboxEntry{entry}); err != nil {
				t.Fatal(err)
			}
			waitProcessed(t, n, 1)
			if got := messages(t, n, admin, actors.ConversationID(demoTenantID(t, n), user)); len(got) != 1 {
				t.Fatalf("stored %d messages, want the peer's one", len(got))
			}
		})
	}
}
