package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/events"
)

// Every outcome of a send is published (issue 4), not only sent, failed and unknown: a retry
// publishes message.status with the message still queued and its delivery (attempts, next
// attempt, Meta's error), and a tenant's sends pausing, resuming or needing
// re-authorisation publish tenant.updated — each once the change is durable. The engine
// against fakemeta over real sockets, the events read from the hub as a WebSocket session
// reads them (decoded from their JSON, as a client sees them).
func TestOutcomeEvents(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), map[string]string{"OUTBOUND_PAUSE_FOR": "2s"})
	for i, code := range []int{131000, 130429, 131056} {
		t.Run(fmt.Sprintf("%d: retry published as a queued message.status", code), func(t *testing.T) { stepRetryPublished(t, r, code, 30+i) })
	}
	t.Run("131048: paused, then resumed, published", func(t *testing.T) { stepPausePublished(t, r) })
	t.Run("190: re-authorisation needed, then done, published", func(t *testing.T) { stepReauthPublished(t, r) })
}

// wireEvent is an event as a WebSocket client decodes it.
type wireEvent struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

type wireMessageStatus struct {
	ConversationID string `json:"conversationId"`
	Message        struct {
		ID, Status, Text string
	} `json:"message"`
	Delivery *struct {
		State         string     `json:"state"`
		Attempts      int        `json:"attempts"`
		NextAttemptAt *time.Time `json:"nextAttemptAt"`
		LastError     *struct {
			Code  int    `json:"code"`
			Title string `json:"title"`
		} `json:"lastError"`
	} `json:"delivery"`
}

type wireTenantUpdate struct {
	TenantID string `json:"tenantId"`
	Refused  string `json:"refused"`
	Sending  struct {
		NeedsReauth  bool       `json:"needsReauth"`
		PausedUntil  *time.Time `json:"pausedUntil"`
		PausedReason string     `json:"pausedReason"`
	} `json:"sending"`
}

// nextWire reads sub until an event of type typ whose data decodes into v and satisfies ok.
func nextWire[T any](t *testing.T, sub *events.Subscription, typ string, ok func(T) bool) T {
	t.Helper()
	timeout := time.After(30 * time.Second)
	var seen []string
	for {
		select {
		case e, open := <-sub.C():
			if !open {
				t.Fatal("event subscription closed")
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var w wireEvent
			if err := json.Unmarshal(b, &w); err != nil {
				t.Fatal(err)
			}
			if w.Type != typ {
				continue
			}
			seen = append(seen, string(w.Data))
			var v T
			if err := json.Unmarshal(w.Data, &v); err != nil {
				t.Fatalf("%s data %s: %v", typ, w.Data, err)
			}
			if ok(v) {
				return v
			}
		case <-timeout:
			t.Fatalf("no matching %s event; saw %v", typ, seen)
		}
	}
}

func stepRetryPublished(t *testing.T, r *metaRig, code, customer int) {
	conv := errorConv(t, r, customer)
	sub := r.Engine.Events().Subscribe(r.tenantA, 0)
	defer sub.Close()
	r.meta.FailNext(phoneA, code, 1, fakemeta.To(errorCustomer(customer)))
	q := r.send(t, r.agent, conv, fmt.Sprint("retried after ", code))
	ev := nextWire(t, sub, "message.status", func(m wireMessageStatus) bool { return m.Message.ID == q.ID })
	d := ev.Delivery
	if ev.ConversationID != conv || ev.Message.Status != "queued" || ev.Message.Text != q.Text || d == nil ||
		d.State != "queued" || d.Attempts != 1 || d.NextAttemptAt == nil || d.LastError == nil || d.LastError.Code != code || d.LastError.Title == "" {
		t.Fatalf("first status of a retried message: %+v (delivery %+v)", ev, d)
	}
	// Published after the requeue is durable: the API shows the same.
	res := r.Get("/api/v1/messages/"+conv+"/"+q.ID, r.agent)
	var got wireMessageStatus
	res.Data(t, &got)
	if got.Delivery == nil || got.Delivery.LastError == nil || got.Delivery.LastError.Code != code {
		t.Fatalf("GET after the retry's event: %d %s", res.Status, res.Body)
	}
	nextWire(t, sub, "message.status", func(m wireMessageStatus) bool {
		return m.Message.ID == q.ID && m.Message.Status == "sent"
	})
	sentOnce(t, r, conv, q.ID)
}

func stepPausePublished(t *testing.T, r *metaRig) {
	conv := errorConv(t, r, 40)
	sub := r.Engine.Events().Subscribe(r.tenantA, 0)
	defer sub.Close()
	r.meta.FailNext(phoneA, 131048, 1, fakemeta.To(errorCustomer(40)))
	q := r.send(t, r.agent, conv, "restricted for spam")
	paused := nextWire(t, sub, "tenant.updated", func(u wireTenantUpdate) bool { return u.Refused != "" })
	if paused.TenantID != r.tenantA || paused.Refused != "sending_paused" || paused.Sending.PausedUntil == nil || paused.Sending.PausedReason == "" {
		t.Fatalf("pause published as %+v", paused)
	}
	// The pause is in the tenant's snapshot (durable) when it is published: the API refuses.
	if res := r.Post("/api/v1/messages/send", r.agent, map[string]any{"conversationId": conv, "body": "while paused"}); res.Status != 409 || res.Code() != "sending_paused" {
		t.Fatalf("send while paused: %d %s", res.Status, res.Body)
	}
	resumed := nextWire(t, sub, "tenant.updated", func(wireTenantUpdate) bool { return true })
	if resumed.Refused != "" || resumed.Sending.PausedUntil != nil {
		t.Fatalf("resume published as %+v", resumed)
	}
	sentOnce(t, r, conv, q.ID)
}

func stepReauthPublished(t *testing.T, r *metaRig) {
	conv := errorConv(t, r, 41)
	sub := r.Engine.Events().Subscribe(r.tenantA, 0)
	defer sub.Close()
	current := tokenA
	r.meta.ExpireToken(current)
	q := r.send(t, r.agent, conv, "before the new token")
	u := nextWire(t, sub, "tenant.updated", func(u wireTenantUpdate) bool { return u.Refused != "" })
	if u.Refused != "needs_reauth" || !u.Sending.NeedsReauth {
		t.Fatalf("re-authorisation published as %+v", u)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir := r.Engine.Store().Directory()
	if tn, err := dir.TenantByID(ctx, r.tenantA); err != nil || !tn.NeedsReauth {
		t.Fatalf("published before the directory recorded it: %+v %v", tn.NeedsReauth, err)
	}
	const renewed = "EAA-tenant-a-renewed-for-events"
	r.meta.GrantToken(renewed, wabaA)
	setToken(t, r.Node, r.tenantA, renewed)
	if _, err := dir.MarkNeedsReauth(ctx, r.tenantA, false, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	back := nextWire(t, sub, "tenant.updated", func(wireTenantUpdate) bool { return true })
	if back.Refused != "" || back.Sending.NeedsReauth {
		t.Fatalf("new token published as %+v", back)
	}
	settledMessage(t, r, conv, q.ID, "sent", "delivered", "read")
}

// An ACCOUNT_RESTRICTION publishes tenant.updated with the restriction, once its snapshot is
// saved — also when the webhook is what activates the tenant, before the tenant has read
// its directory entry (the first state an activation sees is otherwise its silent baseline,
// and the restriction would be in it).
func TestRestrictionPublishedAsTenantUpdated(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	tenantA := demoTenantID(t, n)
	sub := n.Engine.Events().Subscribe(tenantA, 0)
	defer sub.Close()
	until := restrictBizInitiated(t, n, 48*time.Hour)
	type restricted struct {
		Refused string `json:"refused"`
		Sending struct {
			Restrictions []struct {
				Type  string    `json:"type"`
				Until time.Time `json:"until"`
			} `json:"restrictions"`
		} `json:"sending"`
	}
	u := nextWire(t, sub, "tenant.updated", func(restricted) bool { return true })
	if u.Refused != "" || len(u.Sending.Restrictions) != 1 || u.Sending.Restrictions[0].Type != actors.RestrictBizInitiated ||
		u.Sending.Restrictions[0].Until.Unix() != until {
		t.Fatalf("restriction published as %+v", u)
	}
}

// A restriction that ends by time alone publishes tenant.updated when it ends, also for a
// tenant with nothing queued: before, only a queued message's timer woke the sender, so an
// idle tenant's "restriction lifted" waited for its next activity.
func TestRestrictionEndPublishedForAnIdleTenant(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
	n.Seed()
	tenantA := demoTenantID(t, n)
	sub := n.Engine.Events().Subscribe(tenantA, 0)
	defer sub.Close()
	until := restrictBizInitiated(t, n, 3*time.Second)
	type standing struct {
		Sending struct {
			Restrictions []json.RawMessage `json:"restrictions"`
		} `json:"sending"`
	}
	nextWire(t, sub, "tenant.updated", func(u standing) bool { return len(u.Sending.Restrictions) == 1 })
	lifted := nextWire(t, sub, "tenant.updated", func(standing) bool { return true })
	if len(lifted.Sending.Restrictions) != 0 {
		t.Fatalf("the update after the restriction still shows %d", len(lifted.Sending.Restrictions))
	}
	if time.Now().Unix() < until {
		t.Fatalf("the restriction was published as lifted before its expiration")
	}
}

// restrictBizInitiated posts Meta's ACCOUNT_RESTRICTION of the demo WABA's business-initiated
// messaging, expiring after d, and returns the expiry as Meta writes it (Unix seconds).
func restrictBizInitiated(t *testing.T, n *enginetest.Node, d time.Duration) int64 {
	t.Helper()
	until := time.Now().Add(d).Unix()
	body := accountUpdate(accounts.DemoWABAID, fmt.Sprintf(`"event":"ACCOUNT_RESTRICTION","restriction_info":[`+
		`{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":%d}]`, until))
	if r := postWebhook(t, n, []byte(body)); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	return until
}
