package engine_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// finalView is GET /messages/:conversationId/:messageId as a client polling a send reads it.
type finalView struct {
	Message struct {
		ID, Status, WAMID string
		RetractedWAMIDs   []string
		Error             *struct {
			Code      int    `json:"code"`
			Title     string `json:"title"`
			Reason    string `json:"reason"`
			Retryable bool   `json:"retryable"`
		} `json:"error"`
	} `json:"message"`
	Delivery *struct {
		State         string     `json:"state"`
		Attempts      int        `json:"attempts"`
		NextAttemptAt *time.Time `json:"nextAttemptAt"`
		LastError     *struct {
			Code   int    `json:"code"`
			Reason string `json:"reason"`
		} `json:"lastError"`
	} `json:"delivery"`
}

func getFinalView(t *testing.T, r *metaRig, conv, id string) (int, finalView, string) {
	t.Helper()
	res := r.Get("/api/v1/messages/"+conv+"/"+id, r.agent)
	var v finalView
	if res.Status == 200 {
		res.Data(t, &v)
	}
	return res.Status, v, string(res.Body)
}

// Meta accepts a message and fails it with its own trouble (131000) twice, with
// OUTBOUND_MAX_ATTEMPTS=2: the engine sends it again after the first failure, and gives up
// after the second. A client must tell "failed, being sent again" from "failed for good", as
// a Twilio or Chatwoot user expects `failed` to be final: the first failure is published with
// error.retryable true (the engine decides whether to send again), then queued again; the
// second is published again once the engine decided not to resend, with retryable gone and
// reason "meta". Before, both failures said retryable: true, and the final one stayed so.
// GET then says failed in delivery too (it said sent, with no lastError), and the wamid of
// the first attempt, which the first event named, still finds the message (it was a 404).
func TestFailureTheEngineGivesUpOnIsFinal(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), map[string]string{"OUTBOUND_MAX_ATTEMPTS": "2"})
	conv := errorConv(t, r, 81)
	sub := r.Engine.Events().Subscribe(r.tenantA, 0)
	defer sub.Close()
	r.meta.FailNextAsync(phoneA, 131000, 2, fakemeta.To(errorCustomer(81)))
	q := r.send(t, r.agent, conv, "fails twice")
	final := func(e actors.MessageEvent) bool {
		return e.Message.Status == actors.StatusFailed && e.Message.Error != nil && !e.Message.Error.Retryable
	}
	evs := messageEvents(t, sub, q.ID, final)
	var firstWAMID string
	retried := slices.IndexFunc(evs, func(e actors.MessageEvent) bool {
		return e.Message.Status == actors.StatusFailed && e.Message.Error != nil && e.Message.Error.Retryable
	})
	if retried < 0 {
		t.Fatalf("no failure published as being retried: %+v", evs)
	}
	firstWAMID = evs[retried].Message.WAMID
	requeued := slices.IndexFunc(evs, func(e actors.MessageEvent) bool {
		return e.Message.Status == actors.StatusQueued && slices.Contains(e.Message.RetractedWAMIDs, firstWAMID)
	})
	if requeued < retried {
		t.Fatalf("the retried failure was not followed by the message queued again: %+v", evs)
	}
	last := evs[len(evs)-1].Message
	if last.WAMID == firstWAMID || last.Error.Code != 131000 || last.Error.Reason != actors.ReasonMeta {
		t.Fatalf("final failure published as %+v", last)
	}
	if n := sentTimes(r.meta, phoneA)[q.ID]; n != 2 {
		t.Fatalf("fakemeta accepted the message %d times, want 2", n)
	}

	status, v, body := getFinalView(t, r, conv, q.ID)
	if status != 200 || v.Message.Status != "failed" || v.Message.Error == nil || v.Message.Error.Retryable ||
		v.Message.Error.Reason != "meta" || v.Delivery == nil || v.Delivery.State != "failed" ||
		v.Delivery.LastError == nil || v.Delivery.LastError.Code != 131000 || v.Delivery.LastError.Reason != "meta" {
		t.Fatalf("GET of a message failed for good: %d %s", status, body)
	}
	// The first attempt's wamid, retracted, names the same message.
	status, byOld, body := getFinalView(t, r, conv, firstWAMID)
	if status != 200 || byOld.Message.ID != q.ID || !slices.Contains(byOld.Message.RetractedWAMIDs, firstWAMID) {
		t.Fatalf("GET by the retracted wamid %s: %d %s", firstWAMID, status, body)
	}

	// A failure about the message (131026) is final at once: GET says failed in delivery
	// too, with Meta's error (it said sent, no lastError).
	r.meta.FailNextAsync(phoneA, 131026, 1, fakemeta.To(errorCustomer(81)))
	q = r.send(t, r.agent, conv, "undeliverable")
	settledMessage(t, r, conv, q.ID, "failed")
	status, v, body = getFinalView(t, r, conv, q.ID)
	if status != 200 || v.Delivery == nil || v.Delivery.State != "failed" || v.Delivery.LastError == nil ||
		v.Delivery.LastError.Code != 131026 || v.Message.Error == nil || v.Message.Error.Retryable {
		t.Fatalf("GET of an undeliverable message: %d %s", status, body)
	}
}

// Meta's rate limits reported in a failed status webhook (WHATSAPP.md §2.2: the same codes
// may come either way; §2.3 retries them) are sent again as when they answer the send: the
// number's throughput (130429) and the pair's limit (131056). Before, both failed the message
// for good. A second 131056 in a row waits the pair's 4^X backoff (4 s), not the transient
// schedule (1–2 s).
func TestAsyncRateLimitFailuresResent(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	for i, tc := range []struct {
		code, failures int
	}{{130429, 1}, {131056, 2}} {
		conv := errorConv(t, r, 82+i)
		r.meta.FailNextAsync(phoneA, tc.code, tc.failures, fakemeta.To(errorCustomer(82+i)))
		q := r.send(t, r.agent, conv, fmt.Sprint("failed asynchronously with ", tc.code))
		m := settledMessage(t, r, conv, q.ID, "delivered", "read")
		var at []time.Time
		for _, s := range r.meta.Sent(phoneA) {
			if s.BizOpaqueCallbackData == q.ID {
				at = append(at, s.At)
			}
		}
		if len(at) != tc.failures+1 || len(m.RetractedWAMIDs) != tc.failures {
			t.Fatalf("%d: fakemeta accepted it %d times, message %+v; want %d", tc.code, len(at), m, tc.failures+1)
		}
		if tc.code == 131056 {
			if gap := at[2].Sub(at[1]); gap < 3500*time.Millisecond {
				t.Fatalf("second resend after a repeated 131056 went %v after the first, want the pair's 4 s", gap)
			}
		}
	}
}

// While the tenant's sends are paused (131048: restricted), a queued message's
// delivery.nextAttemptAt is not before the pause ends: before, it showed a time a second
// ahead while the pause lasted an hour, so a client polled for nothing.
func TestPausedMessageStatusShowsWhenItMayGo(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), map[string]string{"OUTBOUND_PAUSE_FOR": "1h"})
	conv := errorConv(t, r, 84)
	r.meta.FailNext(phoneA, 131048, 1, fakemeta.To(errorCustomer(84)))
	q := r.send(t, r.agent, conv, "restricted")
	var v finalView
	var body string
	eventually(t, 20*time.Second, func() bool {
		_, v, body = getFinalView(t, r, conv, q.ID)
		return v.Delivery != nil && v.Delivery.LastError != nil && v.Delivery.LastError.Code == 131048
	}, func() string { return "never queued after 131048: " + body })
	if v.Delivery.State != "queued" || v.Delivery.NextAttemptAt == nil || v.Delivery.NextAttemptAt.Before(time.Now().Add(50*time.Minute)) ||
		v.Delivery.LastError.Reason != "meta" {
		t.Fatalf("delivery of a message held by an hour's pause: %s", body)
	}
}

// A resend after Meta's 131056 in a failed status waits the pair's 4^X seconds, and GET
// says so while it waits: delivery.nextAttemptAt is when it goes, not a time already past
// (it showed the decision's own time, the wait being in memory only, so a poller saw a
// message overdue for seconds, and a restart sent it at once against Meta's rule).
func TestPairResendShowsWhenItGoes(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	conv := errorConv(t, r, 91)
	r.meta.FailNextAsync(phoneA, 131056, 2, fakemeta.To(errorCustomer(91)))
	q := r.send(t, r.agent, conv, "pair limited")
	var shown []time.Time // nextAttemptAt of each poll that found the message queued again
	eventually(t, 40*time.Second, func() bool {
		polled := time.Now()
		_, v, _ := getFinalView(t, r, conv, q.ID)
		if v.Delivery != nil && v.Delivery.State == "queued" && v.Delivery.NextAttemptAt != nil && v.Delivery.Attempts > 0 {
			// A lane may go a little after its time on a busy machine; the wait it shows must
			// not be the decision's own time (seconds past after the second 131056).
			if v.Delivery.NextAttemptAt.Before(polled.Add(-1500 * time.Millisecond)) {
				t.Fatalf("polled at %s: queued again with nextAttemptAt %s, already past", polled.Format("15:04:05.000"),
					v.Delivery.NextAttemptAt.Format("15:04:05.000"))
			}
			shown = append(shown, *v.Delivery.NextAttemptAt)
		}
		return within(v.Message.Status, "delivered", "read")
	}, func() string { return "the pair-limited message was never delivered" })
	var at []time.Time
	for _, s := range r.meta.Sent(phoneA) {
		if s.BizOpaqueCallbackData == q.ID {
			at = append(at, s.At)
		}
	}
	if len(at) != 3 || len(shown) == 0 {
		t.Fatalf("fakemeta accepted it %d times (want 3); %d polls saw it queued again", len(at), len(shown))
	}
	if last := shown[len(shown)-1]; at[2].Before(last.Add(-250 * time.Millisecond)) {
		t.Fatalf("the last resend went at %s, before the %s GET showed", at[2].Format("15:04:05.000"), last.Format("15:04:05.000"))
	}
}
