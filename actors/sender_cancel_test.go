package actors

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// A message still queued can be canceled — held in its lane or only in the store — and is
// then never sent, while the messages around it go in order. One on its way to Meta and one
// of another conversation are refused; a repeated cancel succeeds again (idempotent). Should
// Meta report a canceled message after all, the outbox and the conversation show what the
// customer has.
func TestCancelOutbound(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	conv := ConversationID(tenant, customer)
	id := func(name string) string { return name + "-" + tenant }

	// c1 leaves at once and hangs at Meta; c2..c4 to the same customer queue behind it.
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	for _, name := range []string{"c1", "c2", "c3", "c4"} {
		r.graph.answer(id(name), func(n int) (string, error) {
			if name == "c1" {
				<-release
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return fmt.Sprintf("wamid.%s.%d", id(name), n), nil
		})
		row := outboxRow(tenant, id(name))
		m, _ := OutboundMessage(row.ID, row.Request, row.CreatedAt)
		if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: row, Record: &m}); err != nil {
			t.Fatal(err)
		}
	}
	// c5 is only in the store: the sender loads queued rows at activation and then about
	// once a minute, so it does not hold it.
	if err := r.store.Outbox().Enqueue(ctx, []persistence.OutboxMessage{outboxRow(tenant, id("c5"))}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "c1 at Meta", func() bool { n, _ := r.graph.sends(id("c1")); return n == 1 })

	agent, admin := MessageAuthor{UserID: "u-agent", Role: "agent"}, MessageAuthor{UserID: "u-admin", Role: "tenant_admin"}
	for _, name := range []string{"c3", "c5"} {
		res, err := r.client.CancelOutbound(ctx, tenant, conv, id(name), &agent)
		if err != nil {
			t.Fatalf("cancel %s: %v", name, err)
		}
		if res.Message.State != persistence.OutboxCanceled || r.row(t, id(name)).State != persistence.OutboxCanceled {
			t.Fatalf("%s: answered %s, stored %s", name, res.Message.State, r.row(t, id(name)).State)
		}
		if res.By == nil || *res.By != agent {
			t.Fatalf("%s: the cancel answered canceller %+v, want %+v", name, res.By, agent)
		}
	}
	waitFor(t, "c3 canceled in its conversation", func() bool { return r.message(t, tenant, id("c3")).Status == StatusCanceled })
	// A repeat by someone else is answered as canceled, and does not make them the canceller.
	if res, err := r.client.CancelOutbound(ctx, tenant, conv, id("c3"), &admin); err != nil || res.Message.State != persistence.OutboxCanceled || res.By != nil {
		t.Fatalf("cancel of c3 again: %+v, %v; want canceled, naming no canceller of its own", res, err)
	}
	for _, name := range []string{"c3", "c5"} {
		if by := r.message(t, tenant, id(name)).CanceledBy; by == nil || *by != agent {
			t.Fatalf("the conversation names %s's canceller %+v, want %+v", name, by, agent)
		}
	}

	for _, tc := range []struct {
		name, conv, id string
		late           string // the refusal's reason, or "" for ErrNotFound
	}{
		{"on its way to Meta", conv, id("c1"), "on its way to Meta"},
		{"another conversation's", ConversationID(tenant, "15550009999"), id("c2"), ""},
		{"no such message", conv, id("nope"), ""},
	} {
		_, err := r.client.CancelOutbound(ctx, tenant, tc.conv, tc.id, nil)
		var late *NotCancelableError
		switch {
		case tc.late == "" && !errors.Is(err, ErrNotFound):
			t.Errorf("%s: %v, want ErrNotFound", tc.name, err)
		case tc.late != "" && (!errors.As(err, &late) || !strings.Contains(late.Reason, tc.late)):
			t.Errorf("%s: %v, want not cancelable (%s)", tc.name, err, tc.late)
		}
	}

	close(release)
	for _, name := range []string{"c1", "c2", "c4"} {
		waitFor(t, name+" sent", func() bool { return r.row(t, id(name)).State == persistence.OutboxSent })
		if n, _ := r.graph.sends(id(name)); n != 1 {
			t.Fatalf("%s sent %d times", name, n)
		}
	}
	for _, name := range []string{"c3", "c5"} {
		if n, _ := r.graph.sends(id(name)); n != 0 || r.row(t, id(name)).State != persistence.OutboxCanceled {
			t.Fatalf("canceled %s sent %d times, stored %s", name, n, r.row(t, id(name)).State)
		}
	}
	mu.Lock()
	got := fmt.Sprint(order)
	mu.Unlock()
	if got != "[c1 c2 c4]" {
		t.Fatalf("sent in order %s", got)
	}

	// Meta reports c3 after all (a message reconciliation judged unsent, then canceled).
	r.status(t, tenant, id("c3"), "wamid.late", StatusDelivered)
	waitFor(t, "the customer's copy wins", func() bool {
		return r.row(t, id("c3")).State == persistence.OutboxSent && r.message(t, tenant, id("c3")).Status == StatusDelivered
	})
	if by := r.message(t, tenant, id("c3")).CanceledBy; by != nil {
		t.Fatalf("c3, which the customer has, still names a canceller: %+v", by)
	}
}

// Regression: a cancel told the conversation "canceled" without the message, although the
// send's record is only told (a write-behind a store outage or a stopping activation loses)
// and every other outcome carries it to restore a lost record. When the record was lost, a
// conversation never stored answered the cancel "not found": the cancel failed (503) and the
// message the client had asked to cancel went out to the customer. Of a stored conversation,
// the canceled message never showed in it.
func TestCancelRestoresALostRecord(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ctx := t.Context()
	conv := ConversationID(tenant, customer)
	id := func(name string) string { return name + "-" + tenant }

	// The conversation cannot write while the sends are queued: their records, told and
	// written behind, are lost with the activation whose flush failed.
	r.outage.refuseWrites(ConversationIdentity(tenant, customer), time.Hour)
	release := make(chan struct{})
	r.graph.answer(id("lr1"), func(n int) (string, error) { <-release; return "wamid.lr1." + tenant, nil })
	for _, name := range []string{"lr1", "lr2"} { // lr2 queues behind lr1 (the pair limit)
		row := outboxRow(tenant, id(name))
		m, _ := OutboundMessage(row.ID, row.Request, row.CreatedAt)
		if _, err := r.client.QueueOutbound(ctx, &QueueOutbound{Message: row, Record: &m}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "lr1 at Meta", func() bool { n, _ := r.graph.sends(id("lr1")); return n == 1 })
	// Once the activation that held the records stopped, the next one (reading the store)
	// knows nothing of lr2; then the conversation can write again.
	waitFor(t, "lr2's record lost", func() bool {
		got, err := r.client.Message(ctx, tenant, customer, id("lr2"))
		return isNotFound(err) || (err == nil && !got.Found)
	})
	r.outage.refuseWrites(ConversationIdentity(tenant, customer), 0)

	res, err := r.client.CancelOutbound(ctx, tenant, conv, id("lr2"), nil)
	if err != nil {
		close(release)
		t.Fatalf("cancel of a queued message whose record was lost: %v", err)
	}
	if res.Message.State != persistence.OutboxCanceled {
		t.Fatalf("answered %s", res.Message.State)
	}
	if got := r.message(t, tenant, id("lr2")).Status; got != StatusCanceled {
		t.Fatalf("the conversation shows the canceled message as %q", got)
	}
	close(release)
	waitFor(t, "lr1 sent", func() bool { return r.row(t, id("lr1")).State == persistence.OutboxSent })
	if n, _ := r.graph.sends(id("lr2")); n != 0 || r.row(t, id("lr2")).State != persistence.OutboxCanceled {
		t.Fatalf("canceled lr2 sent %d times, stored %s", n, r.row(t, id("lr2")).State)
	}
}
