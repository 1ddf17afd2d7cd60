package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

// The send error table (WHATSAPP.md §2.3, actors/OUTBOUND.md) row by row, end to end: the
// engine's sender against fakemeta over real sockets, each code injected where Meta answers
// it, and the outcome checked where it shows — fakemeta's count of requests and accepted
// sends, the message as the API shows it, and the events published.
func TestOutboundErrorTable(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), errorTableEnv)
	t.Run("no retry: failed with Meta's code, one request, published", func(t *testing.T) { stepNoRetry(t, r) })
	t.Run("131047 by status webhook: failed, not sent again", func(t *testing.T) { stepWindowFailed(t, r) })
	t.Run("131000: retried, bounded, then failed", func(t *testing.T) { stepTransientBounded(t, r) })
	t.Run("131016: retried until Meta takes it", func(t *testing.T) { stepUnavailableRetried(t, r) })
	t.Run("131056: only that recipient waits", func(t *testing.T) { stepPairLimited(t, r) })
	for i, code := range []int{131048, 368, 131031, 131042, 131064, 10, 131005} {
		t.Run(fmt.Sprintf("%d: sends pause, then resume, nothing lost", code), func(t *testing.T) { stepRestricted(t, r, code, 20+i) })
	}
	t.Run("131048 by status webhook: paused, then sent again", func(t *testing.T) { stepAsyncRestrictedResent(t, r) })
	t.Run("133010: number not registered, sends wait for registration", func(t *testing.T) { stepUnregistered(t, r) })
	t.Run("190: paused until a new token, then sent once", func(t *testing.T) { stepReauthResumed(t, r) })
	// Last: the number stays held for Meta's wait (a minute) after this step.
	t.Run("80007: the number waits, not only the message", func(t *testing.T) { stepNumberHeld(t, r) })
}

// errorTableEnv bounds the transient retries (3 attempts) and the pauses (2 s) of the
// error table's rigs, so its steps see both ends.
var errorTableEnv = map[string]string{
	"OUTBOUND_MAX_ATTEMPTS": "3",
	"OUTBOUND_PAUSE_FOR":    "2s",
}

// errorConv opens a conversation with its own customer for one step.
func errorConv(t *testing.T, r *metaRig, n int) string {
	return r.customerWrites(t, r.tenantA, phoneA, errorCustomer(n))
}

// errorCustomer is the wa_id of errorConv's customer n: what a step scopes the faults it
// injects to (fakemeta.To), so that they hit its own customer's messages only, not another
// step's still in flight.
func errorCustomer(n int) string { return fmt.Sprintf("5511977700%03d", n) }

// settledMessage waits until the message shows one of the statuses and returns it.
func settledMessage(t *testing.T, r *metaRig, conv, id string, statuses ...string) messageView {
	t.Helper()
	var m messageView
	eventually(t, 30*time.Second, func() bool {
		m, _ = messageIn(t, r.Node, r.agent, conv, id)
		return within(m.Status, statuses...)
	}, func() string { return fmt.Sprintf("message %s never %v: %+v", id, statuses, m) })
	return m
}

// sentOnce waits until the message is sent and checks that Meta accepted it once.
func sentOnce(t *testing.T, r *metaRig, conv, id string) {
	t.Helper()
	settledMessage(t, r, conv, id, "sent", "delivered", "read")
	if n := sentTimes(r.meta, phoneA)[id]; n != 1 {
		t.Fatalf("message %s accepted %d times", id, n)
	}
}

func stepNoRetry(t *testing.T, r *metaRig) {
	// Meta's refusals about the message, its recipient or its template, and codes the
	// table does not name that mean the same: sending again changes nothing.
	codes := []int{131047, 131026, 132000, 132001, 100, 131008, 131009, 131021, 131049, 131050,
		131051, 131052, 131053, 130472, 130497, 137000}
	conv := errorConv(t, r, 1)
	sub := r.Engine.Events().Subscribe(r.tenantA, 0)
	defer sub.Close()
	var ids []string
	for _, code := range codes {
		before := r.meta.Stats().Numbers[phoneA]
		r.meta.FailNext(phoneA, code, 1, fakemeta.To(errorCustomer(1)))
		q := r.send(t, r.agent, conv, fmt.Sprint("refused with ", code))
		ids = append(ids, q.ID)
		m := settledMessage(t, r, conv, q.ID, "failed")
		if m.Error == nil || m.Error.Code != code || m.Error.Title == "" {
			t.Fatalf("%d: message %+v", code, m)
		}
		evs := messageEvents(t, sub, q.ID, func(e actors.MessageEvent) bool { return e.Message.Status == actors.StatusFailed })
		// message.status, or message.new when the record and the outcome shared a flush.
		if last := evs[len(evs)-1]; last.Message.Error == nil || last.Message.Error.Code != code {
			t.Fatalf("%d: events %+v", code, evs)
		}
		after := r.meta.Stats().Numbers[phoneA]
		if after.Errors[code]-before.Errors[code] != 1 || after.Accepted != before.Accepted {
			t.Fatalf("%d: %d refusals, %d accepted", code, after.Errors[code]-before.Errors[code], after.Accepted-before.Accepted)
		}
	}
	// A retry would put the row back to queued first (sending → queued); failed is final (no
	// transition leaves it, and a send needs a claim from queued), so once every row is
	// failed nothing can send them again, with no wait for a retry's backoff.
	for _, id := range ids {
		outboxRowWhen(t, r, id, func(row persistence.OutboxMessage) bool { return row.State == persistence.OutboxFailed })
	}
	if st := r.meta.Stats().Numbers[phoneA]; st.Accepted != 0 {
		t.Fatalf("%d refused messages were sent again and accepted", st.Accepted)
	}
}

func stepWindowFailed(t *testing.T, r *metaRig) {
	conv := errorConv(t, r, 2)
	r.meta.FailNextAsync(phoneA, 131047, 1, fakemeta.To(errorCustomer(2)))
	q := r.send(t, r.agent, conv, "outside the window after all")
	m := settledMessage(t, r, conv, q.ID, "failed")
	if m.Error == nil || m.Error.Code != 131047 {
		t.Fatalf("message %+v", m)
	}
	// The row stays sent with the attempt Meta failed: a resend would retract it (sent →
	// queued, Retracted) and send again after resendWait(0), at most a second after the
	// decision, which follows the status's flush within milliseconds. Nothing positive shows
	// that no decision comes, so the row and Meta's count must hold past that second.
	outboxRowWhen(t, r, q.ID, func(row persistence.OutboxMessage) bool {
		return row.State == persistence.OutboxSent && row.WAMID == m.WAMID
	})
	holdsFor(t, 1500*time.Millisecond, func() bool { return sentTimes(r.meta, phoneA)[q.ID] == 1 },
		func() string {
			return fmt.Sprintf("sent %d times after Meta failed it with 131047", sentTimes(r.meta, phoneA)[q.ID])
		})
	if row := outboxRowWhen(t, r, q.ID, func(persistence.OutboxMessage) bool { return true }); row.State != persistence.OutboxSent || len(row.Retracted) != 0 {
		t.Fatalf("outbox row after 131047 %+v: queued to go again", row)
	}
}

func stepTransientBounded(t *testing.T, r *metaRig) {
	conv := errorConv(t, r, 3)
	before := r.meta.Stats().Numbers[phoneA].Errors[131000]
	r.meta.FailNext(phoneA, 131000, 3, fakemeta.To(errorCustomer(3))) // OUTBOUND_MAX_ATTEMPTS
	q := r.send(t, r.agent, conv, "something went wrong, three times")
	m := settledMessage(t, r, conv, q.ID, "failed", "sent", "delivered", "read")
	st := r.meta.Stats().Numbers[phoneA]
	if m.Status != "failed" || m.Error == nil || m.Error.Code != 131000 || st.Errors[131000]-before != 3 || sentTimes(r.meta, phoneA)[q.ID] != 0 {
		t.Fatalf("after 3 × 131000: message %+v, %d refusals", m, st.Errors[131000]-before)
	}
}

func stepUnavailableRetried(t *testing.T, r *metaRig) {
	conv := errorConv(t, r, 4)
	r.meta.FailNext(phoneA, 131016, 3, fakemeta.To(errorCustomer(4))) // more than OUTBOUND_MAX_ATTEMPTS: an outage uses none
	q := r.send(t, r.agent, conv, "through an outage")
	sentOnce(t, r, conv, q.ID)
}

func stepPairLimited(t *testing.T, r *metaRig) {
	held, other := errorConv(t, r, 5), errorConv(t, r, 6)
	r.meta.FailNext(phoneA, 131056, 1, fakemeta.To(errorCustomer(5)))
	q := r.send(t, r.agent, held, "too many to you")
	eventually(t, 10*time.Second, func() bool { return r.meta.Stats().Numbers[phoneA].Errors[131056] == 1 },
		func() string { return "no 131056 met" })
	var others []string
	for i := range 3 {
		others = append(others, r.send(t, r.agent, other, fmt.Sprint("meanwhile ", i)).ID)
	}
	settledMessage(t, r, held, q.ID, "sent", "delivered", "read")
	at := map[string]time.Time{}
	for _, s := range r.meta.Sent(phoneA) {
		at[s.BizOpaqueCallbackData] = s.At
	}
	for _, id := range others {
		if at[id].IsZero() || !at[id].Before(at[q.ID]) {
			t.Fatalf("another recipient's message %s accepted at %v, the held one at %v", id, at[id], at[q.ID])
		}
	}
	if n := sentTimes(r.meta, phoneA)[q.ID]; n != 1 {
		t.Fatalf("held message accepted %d times", n)
	}
}

// stepRestricted: Meta restricts the number or account. The message waits queued, new sends
// are refused while the pause lasts (OUTBOUND_PAUSE_FOR, 2 s here), and the message goes once
// the pause is over.
func stepRestricted(t *testing.T, r *metaRig, code, customer int) {
	conv := errorConv(t, r, customer)
	before := r.meta.Stats().Numbers[phoneA].Errors[code]
	r.meta.FailNext(phoneA, code, 1, fakemeta.To(errorCustomer(customer)))
	q := r.send(t, r.agent, conv, fmt.Sprint("restricted by ", code))
	// Once Meta answered, the pause is a mailbox message away: no flood of probes that
	// would all be queued (and owe the customer's pair limit) before it.
	eventually(t, 10*time.Second, func() bool { return r.meta.Stats().Numbers[phoneA].Errors[code] == before+1 },
		func() string { return fmt.Sprintf("no %d met", code) })
	eventually(t, 10*time.Second, func() bool {
		res := r.Post("/api/v1/messages/send", r.agent, map[string]any{"conversationId": conv, "body": "while paused"})
		return res.Status == 409 && res.Code() == "sending_paused"
	}, func() string { return "sends never refused as paused" })
	if m, _ := messageIn(t, r.Node, r.agent, conv, q.ID); m.Status != "queued" {
		t.Fatalf("restricted message %+v", m)
	}
	sentOnce(t, r, conv, q.ID)
}

// stepUnregistered: the number is not registered for Cloud API (deregistered, or a
// registration that never finished). No message of the tenant can go until it is registered
// again, so none is failed for it: they wait, as for a restriction, and go once it is.
func stepUnregistered(t *testing.T, r *metaRig) {
	conv := errorConv(t, r, 8)
	r.meta.Deregister(phoneA)
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: r.meta.URL()})
	if err != nil {
		t.Fatal(err)
	}
	register := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return c.RegisterPhone(ctx, tokenA, phoneA, "123456")
	}
	t.Cleanup(func() { _ = register() }) // the next steps send from it
	q := r.send(t, r.agent, conv, "from an unregistered number")
	eventually(t, 10*time.Second, func() bool { return r.meta.Stats().Numbers[phoneA].Errors[133010] >= 1 },
		func() string { return "no 133010 met" })
	// The row was claimed (sending) before Meta answered: its settle is the engine's verdict,
	// queued to wait for the registration, or failed (final).
	if row := outboxRowWhen(t, r, q.ID, func(row persistence.OutboxMessage) bool { return row.State != persistence.OutboxSending }); row.State != persistence.OutboxQueued {
		t.Fatalf("outbox row of a message from an unregistered number %+v", row)
	}
	if m, _ := messageIn(t, r.Node, r.agent, conv, q.ID); m.Status != "queued" {
		t.Fatalf("message from an unregistered number %+v (error %+v)", m, m.Error)
	}
	if err := register(); err != nil {
		t.Fatal(err)
	}
	sentOnce(t, r, conv, q.ID)
}

// stepReauthResumed: Meta rejects the token (190). The tenant is flagged and its message
// waits; a new token stored the way Embedded Signup stores it (the token, and the flag
// cleared, in one write) brings the sends back, and the message goes once, with it.
func stepReauthResumed(t *testing.T, r *metaRig) {
	conv := errorConv(t, r, 9)
	r.meta.ExpireToken(tokenA)
	q := r.send(t, r.agent, conv, "before the new token")
	dir := r.Engine.Store().Directory()
	eventually(t, 30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tn, err := dir.TenantByID(ctx, r.tenantA)
		return err == nil && tn.NeedsReauth
	}, func() string { return "tenant never flagged" })
	const renewed = "EAA-tenant-a-renewed-token"
	r.meta.GrantToken(renewed, wabaA)
	setToken(t, r.Node, r.tenantA, renewed)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := dir.MarkNeedsReauth(ctx, r.tenantA, false, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	settledMessage(t, r, conv, q.ID, "sent", "delivered", "read")
	var got []fakemeta.SentMessage
	for _, s := range r.meta.Sent(phoneA) {
		if s.BizOpaqueCallbackData == q.ID {
			got = append(got, s)
		}
	}
	if len(got) != 1 || got[0].Token != renewed {
		t.Fatalf("accepted %d times (%+v)", len(got), got)
	}
	// Meta's statuses may reach the conversation before the send's answer settles the row.
	var row persistence.OutboxMessage
	eventually(t, 10*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		row, err = r.Engine.Store().Outbox().Get(ctx, q.ID)
		return err == nil && row.State == persistence.OutboxSent
	}, func() string { return fmt.Sprintf("outbox row %+v (%v)", row, err) })
}

// stepNumberHeld: Meta answers that the WABA reached its rate limit (80007; the same holds
// for the app's, 4, an outage, 131016/2/133004, and maintenance, 131057): it can take no
// message from the number just then, so the other messages of the number wait too instead
// of each meeting the same refusal (every refused call counts against the limit again).
func stepNumberHeld(t *testing.T, r *metaRig) {
	var convs []string
	for i := range 4 {
		convs = append(convs, errorConv(t, r, 10+i))
	}
	r.meta.FailNext(phoneA, 80007, 1, fakemeta.To(errorCustomer(10)))
	first := r.send(t, r.agent, convs[0], "rate limited")
	// Meta counts its refusal before the engine reads the answer, and sends posted in
	// between leave unheld (a loaded machine widens that gap): the hold is in place once
	// the sender wrote the message back to queued with Meta's code, which it does after
	// holding the numbers (actors/sender_outcome.go).
	outboxRowWhen(t, r, first.ID, func(row persistence.OutboxMessage) bool {
		return row.State == persistence.OutboxQueued && row.ErrorCode == 80007
	})
	before := r.meta.Stats().Numbers[phoneA]
	if before.Errors[80007] != 1 {
		t.Fatalf("%d refusals with 80007, not 1", before.Errors[80007])
	}
	held := map[string]string{first.ID: convs[0]}
	for _, conv := range convs[1:] {
		held[r.send(t, r.agent, conv, "after the limit").ID] = conv
	}
	// Held, the sends are not tried at all, so nothing positive shows it: Meta's count must
	// stay put past the time an unheld send takes to go (milliseconds) and a transient
	// retry's first backoff (about a second).
	holdsFor(t, 1500*time.Millisecond, func() bool { return r.meta.Stats().Numbers[phoneA].Requests == before.Requests },
		func() string {
			after := r.meta.Stats().Numbers[phoneA]
			return fmt.Sprintf("%d sends reached Meta while the WABA's rate limit held (%d accepted)",
				after.Requests-before.Requests, after.Accepted-before.Accepted)
		})
	for id, conv := range held { // nothing is left behind for whatever runs next
		if res := r.Post("/api/v1/messages/"+conv+"/"+id+"/cancel", r.agent, nil); res.Status != 200 {
			t.Fatalf("cancel %s: %d %s", id, res.Status, res.Body)
		}
	}
}
