package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// The sender against a real embedded store and real grains; only Meta is a fake here
// (engine tests use fakemeta). These tests cover what a live Meta makes hard to stage:
// a process that died mid-send, and answers that never came.

const (
	senderPhone = "109881335267193"
	customer    = "5511987654321"
)

// fakeGraph answers sends with answer(n, request), n counting from 1.
type fakeGraph struct {
	mu     sync.Mutex
	calls  []string // callback data of each send
	tokens []string
	answer func(n int, callback string) (string, error)
}

func (f *fakeGraph) Send(_ context.Context, token, phoneNumberID string, request []byte) (string, error) {
	var body struct {
		Callback string `json:"biz_opaque_callback_data"`
	}
	_ = json.Unmarshal(request, &body)
	f.mu.Lock()
	f.calls = append(f.calls, body.Callback)
	f.tokens = append(f.tokens, token)
	n := len(f.calls)
	f.mu.Unlock()
	if f.answer != nil {
		return f.answer(n, body.Callback)
	}
	return "wamid.fake" + fmt.Sprint(n), nil
}

func (f *fakeGraph) sends(callback string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == callback {
			n++
		}
	}
	return n
}

// tenantSecrets opens every token to "token-<tenant>", so a test sees whose token was used.
type tenantSecrets struct{}

func (tenantSecrets) Open(s persistence.SealedSecret, aad string) (string, error) {
	if string(s.Ciphertext) != "sealed-"+aad {
		return "", errors.New("sealed for another tenant")
	}
	return "token-" + aad, nil
}

type senderRig struct {
	store  persistence.Store
	client *Client
	graph  *fakeGraph
	flags  atomic.Int32 // OnTenantFlags(…, true) calls
}

func startSender(t *testing.T, store persistence.Store, g *fakeGraph, pol OutboundPolicy) *senderRig {
	t.Helper()
	r := &senderRig{store: store, graph: g}
	d := &Deps{Store: store, Graph: g, Secrets: tenantSecrets{}, Outbound: pol,
		OnTenantFlags: func(string, bool) { r.flags.Add(1) }}
	node, err := cluster.Start(cluster.Options{ClusterName: "sender-test", Addr: "127.0.0.1:0", Codec: Codec(), Kinds: Kinds(d)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Stop)
	r.client = NewClient(node)
	return r
}

func seedTenant(t *testing.T, store persistence.Store) {
	t.Helper()
	now := time.Now().UTC()
	err := store.Directory().CreateTenant(t.Context(), persistence.Tenant{
		ID: tenantA, Name: "A", Active: true, PhoneNumberID: senderPhone, WABAID: "104996122399160",
		AccessToken: persistence.SealedSecret{KeyID: "k1", Nonce: []byte{1}, Ciphertext: []byte("sealed-" + tenantA)},
		CreatedAt:   now, UpdatedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func outboxRow(id string) persistence.OutboxMessage {
	now := time.Now().UTC()
	return persistence.OutboxMessage{
		ID: id, TenantID: tenantA, ConversationID: ConversationID(tenantA, customer), PhoneNumberID: senderPhone,
		Recipient: "+" + customer, State: persistence.OutboxQueued, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
		Request: fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+%s","type":"text","text":{"body":"hi %s"},"biz_opaque_callback_data":"%s"}`, customer, id, id),
	}
}

// record stores the message in the outbox and its conversation, as the REST edge does.
func (r *senderRig) record(t *testing.T, id string, submit bool) {
	t.Helper()
	ctx := t.Context()
	row := outboxRow(id)
	if err := r.store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{row}); err != nil {
		t.Fatal(err)
	}
	m, _ := OutboundMessage(id, row.Request, row.CreatedAt)
	if _, err := r.client.RecordOutbound(ctx, tenantA, customer, m); err != nil {
		t.Fatal(err)
	}
	if submit {
		if err := r.client.SubmitOutbound(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *senderRig) state(t *testing.T, id string) persistence.OutboxMessage {
	t.Helper()
	m, err := r.store.Outbox().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (r *senderRig) message(t *testing.T, id string) Message {
	t.Helper()
	page, err := r.client.Messages(t.Context(), tenantA, customer, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page.Messages {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s not in its conversation", id)
	return Message{}
}

func TestSenderSendsOnceWithTheTenantsToken(t *testing.T) {
	store := openStore(t, t.TempDir())
	seedTenant(t, store)
	r := startSender(t, store, &fakeGraph{}, OutboundPolicy{})
	for i := range 5 {
		r.record(t, fmt.Sprint("m", i), true)
	}
	for i := range 5 {
		id := fmt.Sprint("m", i)
		waitFor(t, id+" sent", func() bool { return r.state(t, id).State == persistence.OutboxSent })
		if m := r.message(t, id); m.Status != StatusSent || m.WAMID == "" {
			t.Fatalf("%s in its conversation: %+v", id, m)
		}
		if n := r.graph.sends(id); n != 1 {
			t.Fatalf("%s sent %d times", id, n)
		}
	}
	for _, tok := range r.graph.tokens {
		if tok != "token-"+tenantA {
			t.Fatalf("sent with token %q", tok)
		}
	}
}

// A process died after claiming messages (state sending). The next activation parks them
// as unknown; one was in fact accepted by Meta, whose status (carrying our id) arrives and
// settles it without a resend; the other never left, gets no status, and is sent once the
// wait is over.
func TestSenderReconcilesMessagesFoundMidSend(t *testing.T) {
	store := openStore(t, t.TempDir())
	seedTenant(t, store)
	ctx := t.Context()
	for _, id := range []string{"reached", "lost"} {
		row := outboxRow(id)
		if err := store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{row}); err != nil {
			t.Fatal(err)
		}
		row.State, row.Attempts = persistence.OutboxSending, 1
		if err := store.Outbox().Transition(ctx, persistence.OutboxQueued, row); err != nil {
			t.Fatal(err)
		}
	}
	r := startSender(t, store, &fakeGraph{}, OutboundPolicy{ReconcileAfter: 300 * time.Millisecond})
	for _, id := range []string{"reached", "lost"} {
		m, _ := OutboundMessage(id, outboxRow(id).Request, time.Now())
		if _, err := r.client.RecordOutbound(ctx, tenantA, customer, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.client.WakeOutbound(ctx, tenantA); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both parked as unknown", func() bool {
		return r.message(t, "reached").Status == StatusUnknown && r.message(t, "lost").Status == StatusUnknown
	})
	_, err := r.client.Deliver(ctx, customer, &Deliver{TenantID: tenantA, Contact: Contact{WaID: customer},
		Statuses: []StatusUpdate{{WAMID: "wamid.meta1", Status: StatusSent, Timestamp: time.Now(), CallbackData: "reached"}}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both settled", func() bool {
		return r.state(t, "reached").State == persistence.OutboxSent && r.state(t, "lost").State == persistence.OutboxSent
	})
	if got := r.state(t, "reached"); got.WAMID != "wamid.meta1" || r.graph.sends("reached") != 0 {
		t.Fatalf("reached: %+v, resent %d times", got, r.graph.sends("reached"))
	}
	if r.graph.sends("lost") != 1 || r.message(t, "lost").Status != StatusSent {
		t.Fatalf("lost: sent %d times, %+v", r.graph.sends("lost"), r.message(t, "lost"))
	}
}

// A send that got no answer (Meta may have it) is never retried blindly: it waits, and a
// status naming it settles it.
func TestSenderNeverResendsAMaybeSentMessageThatMetaReported(t *testing.T) {
	store := openStore(t, t.TempDir())
	seedTenant(t, store)
	g := &fakeGraph{answer: func(n int, _ string) (string, error) {
		return "", &SendFailure{Class: ClassRetryTransient, Title: "read timeout", MaybeSent: true}
	}}
	r := startSender(t, store, g, OutboundPolicy{ReconcileAfter: time.Hour})
	r.record(t, "m1", true)
	waitFor(t, "unknown", func() bool { return r.state(t, "m1").State == persistence.OutboxUnknown })
	if m := r.message(t, "m1"); m.Status != StatusUnknown {
		t.Fatalf("conversation: %+v", m)
	}
	_, err := r.client.Deliver(t.Context(), customer, &Deliver{TenantID: tenantA, Contact: Contact{WaID: customer},
		Statuses: []StatusUpdate{{WAMID: "wamid.late", Status: StatusDelivered, Timestamp: time.Now(), CallbackData: "m1"}}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "sent on evidence", func() bool { return r.state(t, "m1").State == persistence.OutboxSent })
	if g.sends("m1") != 1 || r.message(t, "m1").Status != StatusDelivered {
		t.Fatalf("sent %d times; %+v", g.sends("m1"), r.message(t, "m1"))
	}
}

func TestSenderOutcomesOfMetaErrors(t *testing.T) {
	store := openStore(t, t.TempDir())
	seedTenant(t, store)
	g := &fakeGraph{answer: func(n int, cb string) (string, error) {
		switch cb {
		case "transient":
			if n <= 2 {
				return "", &SendFailure{Class: ClassRetryTransient, Code: 131000, Title: "Something went wrong", Backoff: func(int) time.Duration { return 10 * time.Millisecond }}
			}
		case "bad":
			return "", &SendFailure{Class: ClassFail, Code: 131026, Title: "Message undeliverable"}
		case "token":
			return "", &SendFailure{Class: ClassReauth, Code: 190, Title: "Error validating access token"}
		}
		return "wamid." + cb, nil
	}}
	r := startSender(t, store, g, OutboundPolicy{})
	r.record(t, "transient", true)
	waitFor(t, "sent after transient errors", func() bool { return r.state(t, "transient").State == persistence.OutboxSent })
	if g.sends("transient") != 3 {
		t.Fatalf("transient: %d attempts", g.sends("transient"))
	}
	r.record(t, "bad", true)
	waitFor(t, "failed", func() bool { return r.state(t, "bad").State == persistence.OutboxFailed })
	if m := r.message(t, "bad"); m.Status != StatusFailed || m.Error == nil || m.Error.Code != 131026 || m.Error.Title != "Message undeliverable" {
		t.Fatalf("failed message: %+v", m)
	}
	r.record(t, "token", true)
	waitFor(t, "re-authorisation flagged", func() bool { return r.flags.Load() == 1 })
	waitFor(t, "message back in the queue", func() bool { return r.state(t, "token").State == persistence.OutboxQueued })
	var refused *SendRefusedError
	if _, err := r.client.PrepareSend(t.Context(), tenantA, nil); !errors.As(err, &refused) || refused.Code != FailureNeedsReauth {
		t.Fatalf("prepare after 190: %v", err)
	}
	if g.sends("token") != 1 {
		t.Fatalf("a dead token was used %d times", g.sends("token"))
	}
}
