package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
)

// A repeated cancel succeeds, as Twilio's and Stripe's do: the client's retry of a cancel
// whose answer it never got (its activation stopped, its connection dropped) must not be
// told 409 not_cancelable, "the message is canceled", for a cancel that succeeded. So too
// once retention pruned the canceled message's outbox row: the conversation still says
// canceled, and the answer shows it without its delivery.
//
// The message names who canceled it (canceledBy, and statusTimestamps.canceled when) in the
// cancel's answer, in GET, in the list and in its message.status event, as it names who sent
// it; a repeat by someone else keeps the first canceller. Before, only a log line said who.
func TestRepeatedCancelSucceeds(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	const customer = "5511955550003"
	conv := r.customerWrites(t, r.tenantA, phoneA, customer)
	sub := r.Engine.Events().Subscribe(r.tenantA, 0)
	defer sub.Close()
	var me meView
	r.Get("/api/v1/auth/me", r.agent).Data(t, &me)
	canceller := author{UserID: me.User.ID, Role: "agent"}
	r.meta.FailNext(phoneA, 131000, 2, fakemeta.To(customer)) // the first send is retried after ~1 s and ~2 s
	first := r.send(t, r.agent, conv, "First")
	second := r.send(t, r.agent, conv, "Second, taken back")
	path := "/api/v1/messages/" + conv + "/" + second.ID + "/cancel"
	for _, attempt := range []struct{ name, token string }{{"cancel", r.agent}, {"its retry", r.agent}, {"another user's", r.admin}} {
		res := r.Post(path, attempt.token, nil)
		var v messageDetailView
		if res.Status == 200 {
			res.Data(t, &v)
		}
		if res.Status != 200 || v.Message.Status != "canceled" || v.Delivery == nil || v.Delivery.State != "canceled" {
			t.Fatalf("%s: %d %s", attempt.name, res.Status, res.Body)
		}
		if by := v.Message.CanceledBy; by == nil || *by != canceller {
			t.Fatalf("%s answered canceledBy %+v, want %+v", attempt.name, by, canceller)
		}
	}
	evs := messageEvents(t, sub, second.ID, func(e actors.MessageEvent) bool { return e.Message.Status == actors.StatusCanceled })
	if by := evs[len(evs)-1].Message.CanceledBy; by == nil || by.UserID != canceller.UserID || by.Role != canceller.Role {
		t.Fatalf("the cancel's event names canceller %+v, want %+v", by, canceller)
	}
	v, _, _ := r.getMessage(t, r.admin, conv, second.ID)
	if by := v.Message.CanceledBy; by == nil || *by != canceller || v.Message.StatusTimestamps[actors.StatusCanceled].IsZero() {
		t.Fatalf("GET shows canceledBy %+v, canceled at %v; want %+v and a time", by, v.Message.StatusTimestamps, canceller)
	}
	for _, m := range messages(t, r.Node, r.agent, conv) {
		if want := m.ID == second.ID; want != (m.CanceledBy != nil) || (want && *m.CanceledBy != canceller) {
			t.Fatalf("the list shows %s (%s) canceled by %+v", m.ID, m.Status, m.CanceledBy)
		}
	}
	eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[first.ID] == 1 },
		func() string { return "the first message never reached Meta" })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.Engine.Store().Outbox().PruneSettled(ctx, time.Now().Add(time.Hour), 100); err != nil {
		t.Fatal(err)
	}
	res := r.Post(path, r.admin, nil)
	v = messageDetailView{}
	if res.Status == 200 {
		res.Data(t, &v)
	}
	if res.Status != 200 || v.Message.Status != actors.StatusCanceled || v.Delivery != nil || v.Message.CanceledBy == nil || *v.Message.CanceledBy != canceller {
		t.Fatalf("cancel again once its outbox row was pruned: %d %s", res.Status, res.Body)
	}
	if n := sentTimes(r.meta, phoneA)[second.ID]; n != 0 {
		t.Fatalf("the canceled message reached Meta %d times", n)
	}
}
