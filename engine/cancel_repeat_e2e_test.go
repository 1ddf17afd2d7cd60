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
func TestRepeatedCancelSucceeds(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	const customer = "5511955550003"
	conv := r.customerWrites(t, r.tenantA, phoneA, customer)
	r.meta.FailNext(phoneA, 131000, 2, fakemeta.To(customer)) // the first send is retried after ~1 s and ~2 s
	first := r.send(t, r.agent, conv, "First")
	second := r.send(t, r.agent, conv, "Second, taken back")
	path := "/api/v1/messages/" + conv + "/" + second.ID + "/cancel"
	for _, attempt := range []string{"cancel", "its retry"} {
		res := r.Post(path, r.agent, nil)
		var v messageDetailView
		if res.Status == 200 {
			res.Data(t, &v)
		}
		if res.Status != 200 || v.Message.Status != "canceled" || v.Delivery == nil || v.Delivery.State != "canceled" {
			t.Fatalf("%s: %d %s", attempt, res.Status, res.Body)
		}
	}
	eventually(t, 30*time.Second, func() bool { return sentTimes(r.meta, phoneA)[first.ID] == 1 },
		func() string { return "the first message never reached Meta" })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.Engine.Store().Outbox().PruneSettled(ctx, time.Now().Add(time.Hour), 100); err != nil {
		t.Fatal(err)
	}
	res := r.Post(path, r.agent, nil)
	var v messageDetailView
	if res.Status == 200 {
		res.Data(t, &v)
	}
	if res.Status != 200 || v.Message.Status != actors.StatusCanceled || v.Delivery != nil {
		t.Fatalf("cancel again once its outbox row was pruned: %d %s", res.Status, res.Body)
	}
	if n := sentTimes(r.meta, phoneA)[second.ID]; n != 0 {
		t.Fatalf("the canceled message reached Meta %d times", n)
	}
}
