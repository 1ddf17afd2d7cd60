package engine_test

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/events"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/vault"
)

const (
	wabaA, wabaB   = "104996122399160", "118230547702211"
	tokenA, tokenB = "EAA-tenant-a-live-token", "EAA-tenant-b-live-token"
)

// metaRig is an engine node whose Meta is a fakemeta in the test process: the engine's
// Graph calls go to fakemeta, and fakemeta's webhooks (statuses, inbound messages) come
// back to the engine's webhook over real sockets, signed with the app secret.
type metaRig struct {
	*enginetest.Node
	meta         *fakemeta.Server
	tenantA      string
	admin, agent string // API tokens
}

func startWithMeta(t testing.TB, b enginetest.Backend, cfg fakemeta.Config, env map[string]string) *metaRig {
	t.Helper()
	cfg.AppSecret = appSecret
	// Meta's pair limit borrows bursts (each message to a customer owes 6 s), and the steps
	// of a rig write to the same customers for minutes' worth of it: both sides pace by the
	// same model at test speed instead, one message per testPairInterval.
	if _, set := env["OUTBOUND_PAIR_INTERVAL"]; !set && cfg.PairEvery > 0 {
		cfg.PairEvery = testPairInterval
		env = maps.Clone(env)
		if env == nil {
			env = map[string]string{}
		}
		env["OUTBOUND_PAIR_INTERVAL"] = testPairInterval.String()
		env["OUTBOUND_PAIR_BURST"] = strconv.Itoa(cfg.PairBurst)
	}
	meta := fakemeta.New(cfg)
	if err := meta.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = meta.Close() }) // after the node stops (cleanups run in reverse)
	e := metaEnv(meta)
	for k, v := range env {
		e[k] = v
	}
	n := enginetest.Start(t, enginetest.Options{Backend: b, Env: e})
	n.Seed()
	r := &metaRig{Node: n, meta: meta, tenantA: demoTenantID(t, n)}
	setToken(t, n, r.tenantA, tokenA)
	meta.AddNumber(phoneA, wabaA, "15550123456", tokenA)
	r.route(t, wabaA, tokenA)
	r.admin, r.agent = n.Login(adminEmail, adminPassword), n.Login(agentEmail, agentPassword)
	return r
}

// testPairInterval is the pair limit's interval in the rigs (Meta's is 6 s).
const testPairInterval = 200 * time.Millisecond

// metaEnv points a node at meta, with API rate limits no test reaches.
func metaEnv(meta *fakemeta.Server) map[string]string {
	return map[string]string{"META_GRAPH_URL": meta.URL(), "RATE_LIMIT_SEND": "100000/1m", "RATE_LIMIT_API": "100000/1m"}
}

// setToken seals token for the tenant the way Embedded Signup will (same key as the node).
func setToken(t testing.TB, n *enginetest.Node, tenantID, token string) {
	t.Helper()
	v, err := vault.New(n.Config.EncryptionKeyID, n.Config.EncryptionKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir := n.Engine.Store().Directory()
	tn, err := dir.TenantByID(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	if tn.AccessToken, err = v.Seal(token, tenantID); err != nil {
		t.Fatal(err)
	}
	if err := dir.UpdateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
}

// route points the WABA's webhooks at the node, as subscribed_apps does at Meta.
func (r *metaRig) route(t testing.TB, waba, token string) {
	t.Helper()
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: r.meta.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.SubscribeApp(ctx, token, waba, &graph.SubscribedAppsOverride{
		OverrideCallbackURI: "http://" + r.Engine.Addr() + "/api/v1/webhook", VerifyToken: "enginetest-verify-token",
	}); err != nil {
		t.Fatal(err)
	}
}

// customerWrites sends an inbound message through fakemeta (opening the window on both
// sides) and waits until the engine shows it in the conversation; it returns the
// conversation id.
func (r *metaRig) customerWrites(t testing.TB, tenantID, phone, waID string) string {
	t.Helper()
	conv, _ := r.customerSays(t, tenantID, phone, waID)
	return conv
}

// customerSays is customerWrites, also returning the message's wamid.
func (r *metaRig) customerSays(t testing.TB, tenantID, phone, waID string) (conv, wamid string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wamid, err := r.meta.SendInbound(ctx, phone, waID, "User "+waID, "hello")
	if err != nil {
		t.Fatal(err)
	}
	conv = actors.ConversationID(tenantID, waID)
	eventually(t, 30*time.Second, func() bool {
		res := r.Get("/api/v1/conversations/"+conv, r.admin)
		if res.Status != 200 {
			return false
		}
		var v struct{ Conversation conversationView }
		res.Data(t, &v)
		return v.Conversation.WindowOpen && v.Conversation.LastInboundWAMID == wamid
	}, func() string { return "conversation " + conv + " never showed " + wamid + " with an open window" })
	return conv, wamid
}

type queuedView struct {
	ID, ConversationID, Status, Direction, Type, Text string
	CreatedAt                                         time.Time
}

// send posts a text and returns the queued message (failing the test unless 202).
func (r *metaRig) send(t *testing.T, token, conv, body string) queuedView {
	t.Helper()
	res := r.Post("/api/v1/messages/send", token, map[string]any{"conversationId": conv, "body": body})
	if res.Status != 202 {
		t.Fatalf("send: %d %s", res.Status, res.Body)
	}
	var d struct{ Message queuedView }
	res.Data(t, &d)
	if d.Message.ID == "" || d.Message.Status != "queued" || d.Message.ConversationID != conv {
		t.Fatalf("queued message %+v", d.Message)
	}
	return d.Message
}

// sentTimes counts fakemeta's accepted sends per callback data (our message id).
func sentTimes(meta *fakemeta.Server, phone string) map[string]int {
	n := map[string]int{}
	for _, m := range meta.Sent(phone) {
		n[m.BizOpaqueCallbackData]++
	}
	return n
}

// messageIn finds one message of a conversation by id.
func messageIn(t *testing.T, n *enginetest.Node, token, conv, id string) (messageView, bool) {
	t.Helper()
	for _, m := range messages(t, n, token, conv) {
		if m.ID == id {
			return m, true
		}
	}
	return messageView{}, false
}

func within(s string, set ...string) bool {
	for _, x := range set {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}

// messageEvents reads sub until an event for message id satisfies done, and returns that
// message's events in order (other events are skipped).
func messageEvents(t *testing.T, sub *events.Subscription, id string, done func(actors.MessageEvent) bool) []actors.MessageEvent {
	t.Helper()
	var got []actors.MessageEvent
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e, ok := <-sub.C():
			if !ok {
				t.Fatal("event subscription closed")
			}
			me, isMsg := e.Data.(*actors.MessageEvent)
			if !isMsg || me.Message.ID != id {
				continue
			}
			if me.Type != e.Type {
				t.Fatalf("event framed %q carries %q", e.Type, me.Type)
			}
			got = append(got, *me)
			if done(*me) {
				return got
			}
		case <-timeout:
			t.Fatalf("events of %s so far: %+v", id, got)
		}
	}
}

// statusRank orders outbound statuses as the API shows them.
var statusRank = map[string]int{"queued": 1, "unknown": 2, "sent": 3, "delivered": 4, "read": 5, "failed": 6}
