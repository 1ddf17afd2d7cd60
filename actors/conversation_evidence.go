package actors

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/cluster"
)

// handEvidence hands the tenant what a durable flush learnt about its sends. Plain evidence
// (a status matched by our message id: the message reached Meta) is told, as the index
// upsert is: a sender reconciling that message also asks the conversation when its wait ends,
// which covers a lost Tell, and under load statuses often beat the send's answer, so this is
// on the hot path. Meta's failures of messages it had accepted — its own trouble, to be sent
// again (sender_resend.go), a restriction to pause for, or a template it paused — are
// called: a Tell is dropped without a word by a tenant activation that is stopping, or that
// fails as it loads (the store down), and nothing tells it again (the conversation has
// applied the status, so Meta's retry or the engine's replay of the webhook brings no new
// evidence): a failure Meta asked us to retry was never sent again. A Call retries on the next activation until its
// deadline; it runs off the grain's goroutine, as the tenant may be activating.
// Tells wait for the tenant's lookup no later than by (tellBy).
func (g *conversationGrain) handEvidence(by time.Time, node *cluster.Node, f *flushDone) {
	var called []OutboundEvidence
	for i := range f.evidence {
		ev := &f.evidence[i]
		if ev.Retry != nil || ev.Restricted != nil || ev.TemplateRefused != nil {
			called = append(called, *ev)
			continue
		}
		if err := node.TellBy(by, KindTenant, f.summary.TenantID, ev); err != nil {
			g.d.Log.Warn("send evidence not delivered", "conversation", f.summary.ID, "message", ev.MessageID, "err", err)
		}
	}
	if len(called) == 0 {
		return
	}
	tenantID, conv, log := f.summary.TenantID, f.summary.ID, g.d.Log
	g.d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		for i := range called {
			if _, err := node.Call(ctx, KindTenant, tenantID, &called[i]); err != nil {
				log.Warn("Meta's failure of a send not delivered to its sender", "conversation", conv, "message", called[i].MessageID, "err", err)
			}
		}
	})
}
