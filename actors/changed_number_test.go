package actors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// What the conversation's messages, in any order of arrival, say of a customer's changed
// number: a notice is in force unless the customer wrote from the number after it (a message
// dated after the notice lifts it, one before makes a notice arriving late stale); neither a late message nor a reaction dated
// before the notice does, nor a revoke (a change to an old message, not the customer writing).
func TestChangedNumberFollowsTheTimestamps(t *testing.T) {
	notice := func(wamid string, at time.Time) Message {
		content, _ := json.Marshal(map[string]string{"type": "user_changed_number", "wa_id": "5511976543210"})
		return Message{WAMID: wamid, Type: "system", Timestamp: at, Content: content}
	}
	typed := func(m Message, typ string) Message { m.Type = typ; return m }
	for _, tc := range []struct {
		name    string
		msgs    []Message
		changed bool
	}{
		{"notice", []Message{inbound("a", t0), notice("n", t0.Add(time.Minute))}, true},
		{"notice in the second of the last message", []Message{inbound("a", t0), notice("n", t0)}, true},
		{"stale notice: they wrote from the number after it", []Message{inbound("a", t0.Add(2*time.Minute)), notice("n", t0.Add(time.Minute))}, false},
		{"written after the notice", []Message{notice("n", t0), inbound("b", t0.Add(time.Second))}, false},
		{"reaction after the notice", []Message{notice("n", t0), typed(inbound("b", t0.Add(time.Second)), "reaction")}, false},
		{"late message dated before the notice", []Message{notice("n", t0), inbound("b", t0.Add(-time.Minute))}, true},
		{"message in the notice's second", []Message{notice("n", t0), inbound("b", t0)}, true},
		{"revoke after the notice", []Message{notice("n", t0), typed(inbound("b", t0.Add(time.Second)), "revoke")}, true},
		{"changed again after changing back", []Message{notice("n", t0), inbound("b", t0.Add(time.Second)), notice("n2", t0.Add(time.Hour))}, true},
		{"an older notice arriving late", []Message{notice("n2", t0.Add(time.Hour)), inbound("b", t0.Add(time.Minute)), notice("n", t0)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConversation()
			c.s.Summary.TenantID = "0123456789abcdef01234567"
			for _, m := range tc.msgs {
				if _, err := c.addInbound(m, t0); err != nil {
					t.Fatal(err)
				}
			}
			if c.s.Summary.Contact.ChangedNumberTo != "5511976543210" {
				t.Fatalf("the notice is not recorded: %+v", c.s.Summary.Contact)
			}
			refusal := NumberChanged(&c.s.Summary)
			if (refusal != nil) != tc.changed {
				t.Fatalf("send refusal %v, want one: %v", refusal, tc.changed)
			}
			want := ""
			if tc.changed {
				want = "0123456789abcdef01234567_5511976543210"
			}
			if got := ContinuedIn(&c.s.Summary); got != want {
				t.Fatalf("continued in %q, want %q", got, want)
			}
		})
	}
}

// flushHold is a real store whose next snapshot commit of one conversation (identity), once
// armed, waits until released: a flush that takes its time, as on a slow store.
type flushHold struct {
	persistence.Store
	identity string
	armed    atomic.Bool
	held     chan struct{} // closed when the held commit began
	release  chan struct{}
}

func (s *flushHold) Snapshots() persistence.Snapshots {
	return heldCommits{Snapshots: s.Store.Snapshots(), s: s}
}

type heldCommits struct {
	persistence.Snapshots
	s *flushHold
}

func (o heldCommits) Commit(ctx context.Context, snap persistence.Snapshot, buckets []persistence.Bucket) error {
	if snap.Identity == o.s.identity && o.s.armed.CompareAndSwap(true, false) {
		close(o.s.held)
		select {
		case <-o.s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return o.Snapshots.Commit(ctx, snap, buckets)
}

// Regression: the tenant learnt of a user_changed_number notice only when the conversation's
// flush told its copy of the summary, and in that moment a send into the old conversation
// was accepted and left to the number the customer had just said was no longer theirs, as
// did a message its lane handed over then. The conversation tells the tenant as it applies
// the notice: with the notice's flush held, a new send is refused number_changed and the
// message queued behind one at Meta fails unsent.
func TestAChangedNumberStopsSendsBeforeItsFlush(t *testing.T) {
	const old, next = "5511987650001", "5511976540001"
	store := &flushHold{Store: openStore(t, t.TempDir()), held: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	r := privateSender(t, store, OutboundPolicy{ReconcileAfter: time.Minute, Validity: time.Hour, SendTimeout: 5 * time.Second}, nil)
	tenant := r.activeTenant(t)
	store.identity = ConversationIdentity(tenant, old)
	id := func(name string) string { return "cn-" + name + "-" + tenant }
	now := time.Now().UTC().Truncate(time.Second)
	deliver := func(m Message) error {
		_, err := r.client.Deliver(context.Background(), old, &Deliver{TenantID: tenant, Contact: Contact{WaID: old}, Messages: []Message{m}})
		return err
	}
	if err := deliver(inbound("wamid.cn-hi", now.Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}

	// a is at Meta, its answer held; b waits behind it in the customer's lane.
	atMeta := make(chan struct{})
	r.graph.answer(id("a"), func(n int) (string, error) { <-atMeta; return fmt.Sprintf("wamid.%s.%d", id("a"), n), nil })
	for _, name := range []string{"a", "b"} {
		if _, err := r.queueTo(t, tenant, id(name), old, false); err != nil {
			t.Fatalf("%s before the notice: %v", name, err)
		}
	}
	waitFor(t, "a at Meta", func() bool { n, _ := r.graph.sends(id("a")); return n == 1 })

	// The notice, its flush held: the conversation has applied it, the store has not got it.
	store.armed.Store(true)
	content, _ := json.Marshal(map[string]string{"type": "user_changed_number", "wa_id": next})
	noticed := make(chan error, 1)
	go func() {
		noticed <- deliver(Message{WAMID: "wamid.cn-changed", Type: "system", Timestamp: now, Content: content})
	}()
	select {
	case <-store.held:
	case <-time.After(10 * time.Second):
		t.Fatal("the notice's flush never began")
	}

	var refused *SendRefusedError
	if _, err := r.queueTo(t, tenant, id("c"), old, false); !errors.As(err, &refused) || refused.Code != FailureNumberChanged ||
		!strings.Contains(refused.Reason, ConversationID(tenant, next)) {
		t.Fatalf("a send into the old conversation while the notice is being stored: %v", err)
	}
	// b's lane hands it over while the notice is still being stored; its outcome reaches the
	// conversation (which answers reads from memory) before its row, which waits for that.
	close(atMeta)
	waitFor(t, "b settled in its conversation", func() bool {
		page, err := r.client.Messages(t.Context(), tenant, old, ListMessages{Page: 1, Limit: 100})
		for _, m := range page.Messages {
			if m.ID == id("b") {
				return err == nil && (m.Status == StatusFailed || m.WAMID != "")
			}
		}
		return false
	})
	close(store.release)
	if err := <-noticed; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b's row settled", func() bool {
		st := r.row(t, id("b")).State
		return st == persistence.OutboxFailed || st == persistence.OutboxSent
	})
	if row := r.row(t, id("b")); row.State != persistence.OutboxFailed {
		t.Fatalf("the message queued to the old number, handed over while the notice was being stored: %+v", row)
	}
	if n, _ := r.graph.sends(id("b")); n != 0 {
		t.Fatalf("b reached the old number %d times", n)
	}
	// Stored, the notice still refuses, and the customer writing from the old number after it
	// lifts it, as before.
	if _, err := r.queueTo(t, tenant, id("d"), old, false); !errors.As(err, &refused) || refused.Code != FailureNumberChanged {
		t.Fatalf("a send into the old conversation after the notice was stored: %v", err)
	}
	if err := deliver(inbound("wamid.cn-back", now.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	if _, err := r.queueTo(t, tenant, id("e"), old, false); err != nil {
		t.Fatalf("a send after the customer wrote from the old number again: %v", err)
	}
}

// What the tenant's refusal makes of a notice its conversation told of ahead of its flush
// (NumberChangeNoted) and of the summaries the conversation's flushes carry, in whatever
// order they reach it: a flush that began before the notice does not undo it, one that
// carries it (or a newer one) takes over, and the customer writing after it lifts it.
func TestATenantKeepsANoticeToldAheadOfItsFlush(t *testing.T) {
	const tenant, old, first, second = "0123456789abcdef01234567", "5511987650002", "5511976540002", "5511976540003"
	conv := ConversationID(tenant, old)
	summary := func(version uint64, to string, at, wrote time.Time) *UpsertSummary {
		return &UpsertSummary{Summary: ConversationSummary{ID: conv, TenantID: tenant, Version: version, LastInboundAt: wrote,
			Contact: Contact{WaID: old, ChangedNumberTo: to, ChangedNumberAt: at}}}
	}
	told := func(to string, at time.Time) *NumberChangeNoted {
		return &NumberChangeNoted{ConversationID: conv, To: to, At: at}
	}
	for _, tc := range []struct {
		name  string
		steps []any
		want  string // the number the refusal names, "" for none
		ahead bool   // the told notice is still kept beside the copy
	}{
		{"told before the first flush", []any{told(first, t0)}, first, true},
		{"an earlier flush lands after", []any{summary(1, "", time.Time{}, t0.Add(-time.Minute)), told(first, t0),
			summary(2, "", time.Time{}, t0.Add(-time.Minute))}, first, true},
		{"the notice's flush lands", []any{told(first, t0), summary(2, first, t0, t0.Add(-time.Minute))}, first, false},
		{"the customer wrote after it", []any{told(first, t0), summary(2, first, t0, t0.Add(time.Second))}, "", false},
		{"a flush with an older notice lands after a newer told", []any{told(second, t0), summary(2, first, t0.Add(-time.Hour), time.Time{})}, second, true},
		{"an older notice told than the copy shows", []any{summary(2, second, t0, time.Time{}), told(first, t0.Add(-time.Hour))}, second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newTenantGrain(&Deps{}, tenant)
			for _, step := range tc.steps {
				g.receive(&cluster.Context{}, step) // the grain's own handling, no node: nobody to answer
			}
			to, next := g.changedNumber(conv)
			if to != tc.want {
				t.Fatalf("refusal names %q (continued in %q), want %q", to, next, tc.want)
			}
			if tc.want != "" && next != ConversationID(tenant, tc.want) {
				t.Fatalf("continued in %q", next)
			}
			if _, kept := g.ahead[conv]; kept != tc.ahead {
				t.Fatalf("told notice kept: %v, want %v", kept, tc.ahead)
			}
		})
	}
}

// Regression: a summary stored before the notice's time was kept (changedNumberTo alone, as
// the engine recorded notices before sends were refused) was refused for good: a notice with
// no time counted as in force whatever the customer wrote after it. Such a notice is dated at
// the customer's latest message the summary holds: it still refuses, on the tenant's copy and
// on the conversation's own, and the customer writing from the number again lifts it.
func TestAnUndatedNoticeIsLiftedByTheCustomerWritingAgain(t *testing.T) {
	const old, next = "5511987650003", "5511976540003"
	store := openStore(t, t.TempDir())
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	r := privateSender(t, store, OutboundPolicy{ReconcileAfter: time.Minute, Validity: time.Hour, SendTimeout: 5 * time.Second}, nil)
	tenant := r.newTenant(t)
	id := func(name string) string { return "un-" + name + "-" + tenant }
	wrote := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	data, err := json.Marshal(conversationSnapshot{Summary: ConversationSummary{ID: ConversationID(tenant, old), TenantID: tenant,
		Status: ConversationOpen, Version: 1, LastInboundAt: wrote, LastActivityAt: wrote, CreatedAt: wrote,
		Contact: Contact{WaID: old, ChangedNumberTo: next}}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("changedNumberAt")) {
		t.Fatalf("not a summary from before the notice's time was kept: %s", data)
	}
	err = store.Snapshots().Save(t.Context(), persistence.Snapshot{Kind: KindConversation, Identity: ConversationIdentity(tenant, old),
		Version: 1, Data: data, UpdatedAt: wrote})
	if err != nil {
		t.Fatal(err)
	}

	var refused *SendRefusedError
	if _, err := r.queueTo(t, tenant, id("a"), old, false); !errors.As(err, &refused) || refused.Code != FailureNumberChanged {
		t.Fatalf("a send into a conversation whose stored notice has no time: %v", err)
	}
	sum, err := r.client.Conversation(t.Context(), tenant, old)
	if err != nil || NumberChanged(sum) == nil {
		t.Fatalf("the conversation's own summary does not refuse: %+v, %v", sum, err)
	}
	if _, err := r.client.Deliver(t.Context(), old, &Deliver{TenantID: tenant, Contact: Contact{WaID: old},
		Messages: []Message{inbound("wamid.un-back", time.Now().UTC())}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.queueTo(t, tenant, id("b"), old, false); err != nil {
		t.Fatalf("a send after the customer wrote from the old number again: %v", err)
	}
	if sum, err := r.client.Conversation(t.Context(), tenant, old); err != nil || NumberChanged(sum) != nil || ContinuedIn(sum) != "" {
		t.Fatalf("the conversation still shows the customer gone: %+v, %v", sum, err)
	}
}

// Regression: the tenant keyed its copies of the summaries by the summary's id, and a
// conversation stored before line keys under the other form of a Brazilian mobile keeps that
// id, while a send names the conversation by its line key (as a request's id is parsed). The
// tenant found no copy for such a conversation: a send into it after its customer changed
// number was accepted and left to the old number (a template, which the edge does not read
// the conversation for). The index keys every copy by the line key.
func TestAChangedNumberRefusesSendsIntoAConversationStoredUnderTheOtherForm(t *testing.T) {
	const legacy, line, next = "551187650004", "5511987650004", "5511976540004"
	store := openStore(t, t.TempDir())
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	r := privateSender(t, store, OutboundPolicy{ReconcileAfter: time.Minute, Validity: time.Hour, SendTimeout: 5 * time.Second}, nil)
	tenant := r.newTenant(t)
	now := time.Now().UTC().Truncate(time.Second)
	content, _ := json.Marshal(map[string]string{"type": "user_changed_number", "wa_id": next})
	if _, err := r.client.Deliver(t.Context(), legacy, &Deliver{TenantID: tenant, Contact: Contact{WaID: legacy}, // as keyed before
		Messages: []Message{inbound("wamid.ok-hi", now.Add(-time.Minute)), {WAMID: "wamid.ok-changed", Type: "system", Timestamp: now, Content: content}}}); err != nil {
		t.Fatal(err)
	}
	var refused *SendRefusedError
	if _, err := r.queueTo(t, tenant, "ok-a-"+tenant, line, false); !errors.As(err, &refused) || refused.Code != FailureNumberChanged {
		t.Fatalf("a send into the conversation stored under the other form: %v", err)
	}
}
