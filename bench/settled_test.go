package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/fakemeta"
)

// Meta's count reaching the number the API accepted is a snapshot: a send whose answer was
// lost is at Meta once, but the engine holds it as unknown and, with no status webhook (the
// bench turns them off), sends it again once the reconcile wait ends, after the run checked.
// The scenario must not call that run valid: every accepted send must also be settled.
func TestASendOfUnknownFateIsNotSettled(t *testing.T) {
	ctx := context.Background()
	cfg := fakemeta.Config{IgnoreWindow: true, Statuses: fakemeta.StatusConfig{Disabled: true}}
	w, err := newOutboundWorld(ctx, cfg, 1, 2, []int{1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()

	send := func(n int64) {
		t.Helper()
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(w.base + "/api/v1/messages/send")
		w.sendFill(req, w.convs[0][0], n)
		if err := (&fasthttp.Client{}).DoTimeout(req, resp, 10*time.Second); err != nil || resp.StatusCode() != fasthttp.StatusAccepted {
			t.Fatalf("send: %v %d %s", err, resp.StatusCode(), resp.Body())
		}
	}
	awaitAtMeta := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); w.acceptedCount() < want; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d sends at Meta", w.acceptedCount(), want)
			}
		}
	}

	send(1)
	awaitAtMeta(1)
	if err := w.awaitSettled(ctx, 5*time.Second); err != nil {
		t.Fatalf("an answered send: %v", err)
	}

	w.meta.DropNextResponses(w.phones[0], 1) // accepted at Meta, the answer lost
	send(2)
	awaitAtMeta(2)
	if err := w.tallyAtMeta().exactlyOnce(2); err != nil {
		t.Fatalf("the snapshot: %v", err) // it passes: this is what the settle check adds to
	}
	err = w.awaitSettled(ctx, 500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "1 accepted send") {
		t.Fatalf("a send of unknown fate: %v, want it reported as not settled", err)
	}
	t.Log(err)
}
