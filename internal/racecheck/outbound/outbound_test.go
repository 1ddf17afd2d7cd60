// Package outbound runs the outbound pipeline under the race detector with exactly one
// protoactor node in its test binary (internal/racecheck says why one): agents sending,
// repeating and canceling while customers write and Meta's statuses come back, then a
// graceful stop in the middle of the sends.
package outbound

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
	"github.com/switchboard/switchboard/transport/graph"
)

// The seed's demo tenant (API.md) on the shared fixtures' number, with the placeholder
// token `switchboard seed` gives it.
const (
	appSecret   = "0123456789abcdef0123456789abcdef"
	phoneNumber = "109881335267193"
	waba        = "104996122399160"
	seedToken   = "EAAdemo-placeholder-access-token"
)

// Every message answered 202 ends the run in one of three places, and each is checked
// against what Meta saw: sent (at Meta exactly once), canceled (never at Meta) or still
// queued for the next process (never at Meta). A graceful stop leaves none "sending": the
// drain lets every attempt in flight write its outcome and starts no new one.
func TestConcurrentSendsCancelsAndGracefulStop(t *testing.T) {
	meta := fakemeta.New(fakemeta.Config{AppSecret: appSecret, Latency: 2 * time.Millisecond,
		Statuses: fakemeta.StatusConfig{SentDelay: time.Millisecond, DeliveredDelay: 5 * time.Millisecond,
			ReadDelay: 20 * time.Millisecond, DuplicateRate: 0.2, ReorderRate: 0.2}})
	if err := meta.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = meta.Close() }) // after the node stops (cleanups run in reverse)
	meta.AddNumber(phoneNumber, waba, "15550123456", seedToken)
	// Two messages at once per customer, then one every 500 ms: lanes stay queued long
	// enough to cancel in and to stop in (7 s to drain one, more than the sending below
	// takes on a loaded machine: with 150 ms a slow CI run drained every lane before the
	// stop, and no message was left queued to check).
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded, Env: map[string]string{
		"META_GRAPH_URL": meta.URL(), "RATE_LIMIT_API": "100000/1m", "RATE_LIMIT_SEND": "100000/1m",
		"OUTBOUND_PAIR_INTERVAL": "500ms", "OUTBOUND_PAIR_BURST": "2"}})
	n.Seed()
	subscribe(t, meta.URL(), "http://"+n.Engine.Addr()+"/api/v1/webhook")
	agent := n.Login("agent@whatsapp-saas.com", "Agent@123456")
	var me struct{ User struct{ TenantID string } }
	n.Get("/api/v1/auth/me", agent).Data(t, &me)

	const customers, perCustomer = 6, 16
	var (
		mu       sync.Mutex
		accepted []string // ids answered 202
		canceled = map[string]bool{}
		wg       sync.WaitGroup
	)
	for c := range customers {
		waID := fmt.Sprintf("55119777700%02d", c)
		conv := actors.ConversationID(me.User.TenantID, waID)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := meta.SendInbound(ctx, phoneNumber, waID, "Cliente", "oi") // opens the window
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		// The 200 says the webhook is durable, not that the conversation exists yet: an agent
		// answers a conversation it sees, so the sends wait for it (a send before it is a 404).
		awaitConversation(t, n, agent, conv)
		wg.Go(func() { // the customer keeps writing while the agent answers
			for i := range perCustomer / 4 {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := meta.SendInbound(ctx, phoneNumber, waID, "Cliente", fmt.Sprintf("mais %d", i))
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for i := range perCustomer {
				req := enginetest.Request{Method: "POST", Path: "/api/v1/messages/send", Token: agent,
					Body: map[string]any{"conversationId": conv, "body": fmt.Sprintf("resposta %d", i)}}
				if i%3 == 0 {
					req.Header = map[string]string{"Idempotency-Key": fmt.Sprintf("%s-%d", waID, i)}
				}
				id := acceptedID(t, n.Do(req))
				if id == "" {
					return
				}
				if req.Header != nil { // a client's retry: the same message, not another
					if again := acceptedID(t, n.Do(req)); again != id {
						t.Errorf("a repeated Idempotency-Key answered %q, first %q", again, id)
					}
				}
				mu.Lock()
				accepted = append(accepted, id)
				mu.Unlock()
				n.Get("/api/v1/messages/"+conv+"/"+id, agent)
				switch i % 4 {
				case 1:
					r := n.Do(enginetest.Request{Method: "POST", Path: "/api/v1/messages/" + conv + "/" + id + "/cancel", Token: agent})
					switch {
					case r.Status == 200:
						mu.Lock()
						canceled[id] = true
						mu.Unlock()
					case r.Status != 409:
						t.Errorf("cancel %s: %d %s", id, r.Status, r.Body)
					}
				case 2:
					n.Do(enginetest.Request{Method: "PUT", Path: "/api/v1/conversations/" + conv + "/read", Token: agent})
				case 3:
					n.Get("/api/v1/conversations", agent)
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Stop while the pair limit still holds most lanes back.
	deadline := time.Now().Add(30 * time.Second)
	for meta.Stats().Numbers[phoneNumber].Accepted < int64(len(accepted))/3 {
		if time.Now().After(deadline) {
			t.Fatalf("Meta accepted %d of %d sends", meta.Stats().Numbers[phoneNumber].Accepted, len(accepted))
		}
		time.Sleep(5 * time.Millisecond)
	}
	n.Stop()

	atMeta := map[string]int{}
	for _, m := range meta.Sent(phoneNumber) {
		atMeta[m.BizOpaqueCallbackData]++
	}
	store, err := embedded.Open(n.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	states := map[persistence.OutboxState]int{}
	// How many times a message in each state the run may end in reached Meta.
	timesAtMeta := map[persistence.OutboxState]int{persistence.OutboxSent: 1, persistence.OutboxCanceled: 0, persistence.OutboxQueued: 0}
	for _, id := range accepted {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		row, err := store.Outbox().Get(ctx, id)
		cancel()
		if err != nil {
			t.Fatalf("accepted message %s: %v", id, err)
		}
		states[row.State]++
		seen, ok := timesAtMeta[row.State]
		switch {
		case !ok:
			t.Errorf("message %s is %s after a graceful stop", id, row.State)
		case atMeta[id] != seen:
			t.Errorf("message %s is %s and reached Meta %d times", id, row.State, atMeta[id])
		case canceled[id] != (row.State == persistence.OutboxCanceled):
			t.Errorf("message %s is %s; its cancel answered 200: %v", id, row.State, canceled[id])
		}
	}
	t.Logf("%d accepted: %v", len(accepted), states)
	for _, s := range []persistence.OutboxState{persistence.OutboxSent, persistence.OutboxCanceled, persistence.OutboxQueued} {
		if states[s] == 0 { // the run must have exercised each ending, or it proved nothing
			t.Errorf("no message ended %s: %v", s, states)
		}
	}
	if len(accepted) != customers*perCustomer || len(atMeta) != states[persistence.OutboxSent] {
		t.Errorf("%d accepted of %d; %d distinct ids at Meta, %d sent", len(accepted), customers*perCustomer,
			len(atMeta), states[persistence.OutboxSent])
	}
}

// acceptedID is the id of a send answered 202 (or "" after failing the test).
// awaitConversation waits until the agent can read conversation conv.
func awaitConversation(t *testing.T, n *enginetest.Node, token, conv string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := n.Get("/api/v1/conversations/"+conv, token)
		if r.Status == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversation %s: %d %s", conv, r.Status, r.Body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func acceptedID(t *testing.T, r enginetest.Response) string {
	t.Helper()
	if r.Status != http.StatusAccepted {
		t.Errorf("send: %d %s", r.Status, r.Body)
		return ""
	}
	var d struct{ Message struct{ ID string } }
	r.Data(t, &d)
	if d.Message.ID == "" {
		t.Errorf("send answered no message id: %s", r.Body)
	}
	return d.Message.ID
}

// subscribe points the WABA's webhooks at the node, as subscribed_apps does at Meta.
func subscribe(t *testing.T, metaURL, callback string) {
	t.Helper()
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: metaURL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.SubscribeApp(ctx, seedToken, waba, &graph.SubscribedAppsOverride{
		OverrideCallbackURI: callback, VerifyToken: "enginetest-verify-token"}); err != nil {
		t.Fatal(err)
	}
}
