package actors

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// messageNamed is the conversation's record of message id.
func messageNamed(t *testing.T, c *conversation, id string) Message {
	t.Helper()
	m, ok, err := c.log.find(id, lookupWindow)
	if err != nil || !ok {
		t.Fatalf("message %s: found %v, %v", id, ok, err)
	}
	return m
}

// A failure Meta reports for an accepted attempt with its own trouble is retryable while the
// engine may send the message again. When the sender decides not to (attempts or validity
// used up, or Meta delivered it as well) it tells the conversation (OutboundResult.Final),
// which marks the failure final and publishes that: before, the last failure of a message
// the engine gave up on said retryable: true for good, as the failures it retried did, and a
// client could not tell "being retried" from "failed for good". A Final naming another
// attempt changes nothing.
func TestAFailureTheSenderGivesUpOnIsFinal(t *testing.T) {
	c := newTestConversation()
	c.addOutbound(outboundText("m1"), t0)
	c.outboundResult(&OutboundResult{MessageID: "m1", WAMID: "W1", Status: StatusSent, At: t0}, t0)
	c.log.takeChanged("t", "t_1")
	c.applyStatus(StatusUpdate{WAMID: "W1", Status: StatusFailed, Timestamp: t0.Add(time.Second), CallbackData: "m1",
		Error: &MessageError{Code: 131000, Title: "Something went wrong", Reason: ReasonMeta}, Retryable: true})
	if m := messageNamed(t, c, "m1"); m.Status != StatusFailed || m.Error == nil || !m.Error.Retryable {
		t.Fatalf("a failure the engine may retry: %+v", m.Error)
	}
	c.log.takeChanged("t", "t_1")

	if changed, err := c.outboundResult(&OutboundResult{MessageID: "m1", Final: "W0"}, t0); changed || err != nil {
		t.Fatalf("a Final for another attempt changed the message: %v %v", changed, err)
	}
	shared := messageNamed(t, c, "m1").Error // a copy (a flush, the summary) shares the error
	changed, err := c.outboundResult(&OutboundResult{MessageID: "m1", Final: "W1"}, t0)
	if !changed || err != nil {
		t.Fatalf("final failure: changed %v, %v", changed, err)
	}
	m := messageNamed(t, c, "m1")
	if m.Status != StatusFailed || m.Error == nil || m.Error.Retryable || m.Error.Code != 131000 || m.Error.Reason != ReasonMeta {
		t.Fatalf("final failure: %+v %+v", m, m.Error)
	}
	if !shared.Retryable {
		t.Fatal("the error was written in place")
	}
	evs := c.log.takeChanged("t", "t_1")
	if len(evs) != 1 || evs[0].Type != EventMessageStatus || evs[0].Message.Status != StatusFailed || evs[0].Message.Error.Retryable {
		t.Fatalf("final failure published as %+v", evs)
	}
	if v := c.outboundView("m1"); v.Retry != nil {
		t.Fatalf("a final failure still asks reconciliation for a resend: %+v", v)
	}
	if changed, _ := c.outboundResult(&OutboundResult{MessageID: "m1", Final: "W1"}, t0); changed {
		t.Fatal("a repeated Final changed the message again")
	}
}

// A retryable code Meta reports after it delivered the attempt is not sent again (the
// customer has the message): the error kept beside the delivery does not say retryable.
func TestAFailureAfterADeliveryIsNotRetryable(t *testing.T) {
	c := newTestConversation()
	c.addOutbound(outboundText("m1"), t0)
	c.outboundResult(&OutboundResult{MessageID: "m1", WAMID: "W1", Status: StatusSent, At: t0}, t0)
	c.applyStatus(StatusUpdate{WAMID: "W1", Status: StatusDelivered, Timestamp: t0.Add(time.Second), CallbackData: "m1"})
	c.applyStatus(StatusUpdate{WAMID: "W1", Status: StatusFailed, Timestamp: t0.Add(2 * time.Second), CallbackData: "m1",
		Error: &MessageError{Code: 131000, Title: "Something went wrong"}, Retryable: true})
	if m := messageNamed(t, c, "m1"); m.Status != StatusDelivered || m.Error == nil || m.Error.Retryable {
		t.Fatalf("a failure after a delivery: %+v %+v", m, m.Error)
	}
}

// GET /messages/:conversationId/:messageId's delivery beside the conversation's record: a
// message Meta accepted and failed afterwards keeps a sent row, and the delivery said sent
// with no lastError; once the failure is final it says failed with the error. A failure the
// engine may still retry shows sent with the row's error. A queued message's next attempt is
// not before the tenant's pause ends.
func TestDeliveryShown(t *testing.T) {
	now := t0
	sent := persistence.OutboxMessage{ID: "m1", State: persistence.OutboxSent, WAMID: "W1", Attempts: 1, UpdatedAt: now}
	failed := func(retryable bool) Message {
		return Message{ID: "m1", WAMID: "W1", Direction: Outbound, Status: StatusFailed,
			Error: &MessageError{Code: 131047, Title: "Re-engagement message", Reason: ReasonMeta, Retryable: retryable}}
	}
	retryableRow := sent
	retryableRow.State, retryableRow.ErrorCode, retryableRow.ErrorTitle = persistence.OutboxRetryable, 131000, "Something went wrong"
	queued := persistence.OutboxMessage{ID: "m1", State: persistence.OutboxQueued, NextAttemptAt: now.Add(time.Second),
		ErrorCode: 131048, ErrorTitle: "Spam rate limit hit", UpdatedAt: now}
	pause := now.Add(time.Hour)
	for _, tc := range []struct {
		name        string
		row         persistence.OutboxMessage
		m           Message
		pausedUntil time.Time
		state       persistence.OutboxState
		code        int
		reason      string
		next        time.Time
	}{
		{"sent and delivered", sent, Message{ID: "m1", WAMID: "W1", Status: StatusDelivered}, time.Time{}, persistence.OutboxSent, 0, "", time.Time{}},
		{"failed by Meta after it accepted the send", sent, failed(false), time.Time{}, persistence.OutboxFailed, 131047, ReasonMeta, time.Time{}},
		{"failed, the engine deciding a resend", retryableRow, failed(true), time.Time{}, persistence.OutboxSent, 131000, ReasonMeta, time.Time{}},
		{"queued, not paused", queued, Message{ID: "m1", Status: StatusQueued}, time.Time{}, persistence.OutboxQueued, 131048, ReasonMeta, now.Add(time.Second)},
		{"queued while paused", queued, Message{ID: "m1", Status: StatusQueued}, pause, persistence.OutboxQueued, 131048, ReasonMeta, pause},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := DeliveryShown(tc.row, tc.m, tc.pausedUntil)
			if d.State != tc.state {
				t.Fatalf("state %s, want %s", d.State, tc.state)
			}
			switch {
			case tc.code == 0 && d.LastError != nil:
				t.Fatalf("last error %+v, want none", d.LastError)
			case tc.code != 0 && (d.LastError == nil || d.LastError.Code != tc.code || d.LastError.Reason != tc.reason || d.LastError.Retryable):
				t.Fatalf("last error %+v, want %d %s", d.LastError, tc.code, tc.reason)
			}
			if got := d.NextAttemptAt; (got == nil) != tc.next.IsZero() || (got != nil && !got.Equal(tc.next)) {
				t.Fatalf("next attempt %v, want %v", got, tc.next)
			}
		})
	}
}

// A 131056 (the pair's limit) in a failed status is sent again like a 131000, but not on the
// transient schedule: the decision leaves the wait to the recipient's pair bucket (4^X s,
// resendDone), as for the same code answering a send.
func TestResendOfAPairLimitFailureWaitsForThePair(t *testing.T) {
	now := t0
	row := persistence.OutboxMessage{ID: "m1", TenantID: "t1", State: persistence.OutboxSent, WAMID: "W1", CreatedAt: now.Add(-time.Minute)}
	ev := &OutboundEvidence{MessageID: "m1", WAMID: "W1", Retry: &MessageError{Code: metaPairRateLimit, Title: "pair rate limit hit"}}
	again, ok, why := resendOf(row, ev, "t1", 5, time.Time{}, now)
	// The row holds the pair's 4^X from the message's earlier failures (none: 1 s), so GET
	// and a restart see the wait.
	if !ok || why != "" || again.State != persistence.OutboxQueued || !again.NextAttemptAt.Equal(now.Add(time.Second)) ||
		again.ErrorCode != metaPairRateLimit || again.ErrorReason != ReasonMeta || again.Transient != 1 {
		t.Fatalf("resendOf a 131056: %v %q %+v", ok, why, again)
	}
	q := newSendQueue(time.Second, 1)
	wait := q.pairOf("5511").refused(now, nil)
	if second := q.pairOf("5511").refused(now.Add(wait), nil); wait != time.Second || second != 4*time.Second {
		t.Fatalf("the pair's waits %v then %v, want 1 s then 4 s", wait, second)
	}
}

// Every failure carries a reason a client can switch on (MessageError.Reason): "meta" for
// Meta's code, else the engine's own cause. Before, the engine's own failures (expired, the
// customer changed number) had code 0 — Meta's auth error code — and only an English title,
// with a timestamp in it, to tell them apart.
func TestEngineFailuresCarryAReason(t *testing.T) {
	s := &sender{changedNumber: func(string) (string, string) { return "5511955550000", "t_5511955550000" }}
	changed := s.numberChangedHead(&outItem{row: persistence.OutboxMessage{ConversationID: "t_5511955554444"}})
	legacy := persistence.OutboxMessage{ID: "m1", State: persistence.OutboxFailed, ErrorCode: 131026, ErrorTitle: "Message undeliverable"}
	expired := persistence.OutboxMessage{ID: "m2", State: persistence.OutboxFailed, ErrorTitle: "expired: still unsent", ErrorReason: ReasonExpired}
	shown := func(row persistence.OutboxMessage) *MessageError { return DeliveryOf(row).LastError }
	for _, tc := range []struct {
		name   string
		err    *MessageError
		code   int
		reason string
	}{
		{"the customer changed number", changed, 0, ReasonNumberChanged},
		{"Meta's refusal of the send", failureError(&SendFailure{Code: 131026, Title: "Message undeliverable", Reason: ReasonMeta}), 131026, ReasonMeta},
		{"a proxy's answer, not Graph's", failureError(&SendFailure{Title: "HTTP 403 without a Graph error body", Reason: ReasonHTTPError}), 0, ReasonHTTPError},
		{"Meta's code, no reason given", failureError(&SendFailure{Code: 131047, Title: "Re-engagement message"}), 131047, ReasonMeta},
		{"a row written before reasons", shown(legacy), 131026, ReasonMeta},
		{"an expired row", shown(expired), 0, ReasonExpired},
	} {
		if tc.err == nil || tc.err.Code != tc.code || tc.err.Reason != tc.reason || tc.err.Title == "" {
			t.Errorf("%s: %+v, want code %d reason %s", tc.name, tc.err, tc.code, tc.reason)
		}
	}
}

// A failure the sender gives up on (attempts used up) is marked final even when its
// conversation cannot take that the first time: the row stays retryable until it has, and
// the decision is taken again. Before, the row settled sent first and the conversation was
// told once, so one failed tell left the message saying retryable for good.
func TestAFinalFailureIsMarkedThoughTheFirstTellFails(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	id := "final-untold-" + tenant
	r.record(t, tenant, id, true)
	waitFor(t, "sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	wamid := r.row(t, id).WAMID
	r.rewrite(t, id, func(row *persistence.OutboxMessage) { row.Transient = 1000 }) // attempts used up
	r.failedStatus(t, tenant, id, wamid, 131000, true)
	r.outage.refuseWrites(ConversationIdentity(tenant, customer), 2*time.Second)
	var m Message
	waitFor(t, "the failure marked final", func() bool {
		found, err := r.client.Message(t.Context(), tenant, customer, id)
		if err != nil || !found.Found {
			return false
		}
		m = found.Message
		return m.Status == StatusFailed && m.Error != nil && !m.Error.Retryable
	})
	waitFor(t, "the row settled sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
}

// Meta's 130429 in a failed status slows the number as the same code answering a send does
// (WHATSAPP.md §2.3: lower the rate), once per burst: before, the message was sent again at
// the same pace.
func TestAsyncThroughputFailureSlowsTheNumber(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	d := &Deps{Now: func() time.Time { return at }}
	d.defaults()
	s := newSender(d, "t", &TenantState{}, func() error { return nil })
	s.dir.MessagesPerSecond = 80
	pace := s.number("pn").pace
	before := pace.rate
	resent := func(id string) {
		row := persistence.OutboxMessage{ID: id, TenantID: "t", PhoneNumberID: "pn", Recipient: "+5511987654321",
			State: persistence.OutboxQueued, Transient: 1, NextAttemptAt: at, CreatedAt: at.Add(-time.Minute), UpdatedAt: at}
		ev := &OutboundEvidence{MessageID: id, WAMID: "W-" + id, Retry: &MessageError{Code: metaThroughput, Title: "Rate limit hit"}}
		s.resendDone(&resendDecided{ev: ev, row: row, ok: true})
	}
	resent("m1")
	trimmed := pace.rate
	if trimmed >= before {
		t.Fatalf("rate %v after an async 130429, was %v: want it lowered", trimmed, before)
	}
	resent("m2") // the same burst's failure, arriving with the first
	if pace.rate != trimmed {
		t.Fatalf("rate %v after a second failure of the same burst, want it trimmed once (%v)", pace.rate, trimmed)
	}
}
