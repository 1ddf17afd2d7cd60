package engine

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/persistence"
)

// outboundPolicy is the sender's policy from the configuration.
func (e *Engine) outboundPolicy() actors.OutboundPolicy {
	c := e.cfg
	return actors.OutboundPolicy{
		PairInterval: c.OutboundPairInterval, PairBurst: c.OutboundPairBurst,
		MaxTransientAttempts: c.OutboundMaxAttempts, ReconcileAfter: c.OutboundReconcileAfter,
		PauseFor: c.OutboundPauseFor,
	}
}

// wakeSenders activates every connected tenant once at start, so messages a previous
// process left queued (or in the middle of a send) are resumed or reconciled without
// waiting for the tenant's next API call.
func (e *Engine) wakeSenders() {
	e.background.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		dir := e.store.Directory()
		for page := 1; ; page++ {
			tenants, total, err := dir.ListTenants(ctx, persistence.Page{Page: page, Limit: 100})
			if err != nil {
				e.log.Warn("tenants not woken for their outbox", "err", err)
				return
			}
			for _, t := range tenants {
				if !t.Active || t.PhoneNumberID == "" {
					continue
				}
				if err := e.actors.WakeOutbound(ctx, t.ID); err != nil {
					e.log.Warn("tenant not woken for its outbox", "tenant", t.ID, "err", err)
				}
			}
			if page*100 >= total || len(tenants) == 0 {
				return
			}
		}
	})
}

// sendReadReceipt marks the conversation's last inbound message read at Meta (which marks
// the earlier ones too), with the tenant's own token. It runs after the API has answered
// and is best effort: a receipt that fails is logged, never retried, and changes nothing
// in the engine. Receipts are not paced with sends: one per agent action is far below a
// number's throughput.
func (e *Engine) sendReadReceipt(_ context.Context, s actors.ConversationSummary) {
	if s.LastInboundWAMID == "" {
		return
	}
	e.background.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		t, err := e.store.Directory().TenantByID(ctx, s.TenantID)
		if err != nil || t.AccessToken.IsZero() || t.NeedsReauth || !t.Active {
			return
		}
		token, err := e.vault.Open(t.AccessToken, t.ID)
		if err != nil {
			e.log.Error("read receipt: tenant token does not open", "tenant", t.ID, "err", err)
			return
		}
		phone := s.PhoneNumberID // the number the customer wrote to
		if phone == "" {
			phone = t.PhoneNumberID
		}
		if err := e.graph.MarkRead(ctx, token, phone, s.LastInboundWAMID, false); err != nil {
			e.log.Warn("read receipt not sent", "conversation", s.ID, "err", err)
		}
	})
}
