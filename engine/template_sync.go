package engine

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

// The periodic template sync: webhooks keep templates current, but a webhook missed (the
// app unsubscribed for a while, a template created before the number was connected) leaves
// the engine refusing a template Meta would send, or sending one Meta deleted. So every
// TEMPLATE_SYNC_INTERVAL each connected tenant's list is read again, a few Graph calls per
// tenant — well within Meta's 200 management calls per hour per WABA (WHATSAPP.md §3).
//
// Every member of a cluster runs the rounds over the same directory, so each tenant is synced
// only by the member that owns its tenant grain (the rendezvous placement, asked without
// activating anything): once a round per cluster, not once per member, and a member that
// leaves hands its tenants to their new owner's next round. The manual sync
// (POST /templates/sync) is not bound to the owner: any member serves it.

// templateSyncPause spaces the tenants of one round, so a node with many tenants does not
// call Meta in a burst: every tenant asked, whether Meta answered the one before or refused it.
const templateSyncPause = time.Second

// startTemplateSync runs SyncAllTemplates every TEMPLATE_SYNC_INTERVAL, the first round at
// most five minutes after start.
func (e *Engine) startTemplateSync() {
	if every := e.cfg.TemplateSyncInterval; every > 0 {
		e.repeat(min(every, 5*time.Minute), every, func() { e.SyncAllTemplates(e.stopping) })
	}
}

// SyncAllTemplates syncs the templates of every active, connected tenant this member owns
// (one round of the periodic sync) and returns how many tenants it synced. It stops early
// when stop closes. Failures are logged per tenant and do not stop the round, except Meta's
// rate limit for the app (4), which ends it.
func (e *Engine) SyncAllTemplates(stop <-chan struct{}) int {
	synced, asked := 0, 0
	err := e.eachTenant(func(t persistence.Tenant) bool {
		if callRefusal(t) != nil || t.WABAID == "" {
			return true // not connected: nothing to ask Meta, and no warning to log
		}
		if !e.node.Owns(actors.KindTenant, t.ID) {
			return true // its owner's round syncs it
		}
		if asked > 0 {
			select {
			case <-stop:
				return false
			case <-time.After(templateSyncPause):
			}
		}
		asked++
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r, err := e.syncTemplates(ctx, t.ID)
		if err != nil {
			if appRateLimited(err) {
				// Every other tenant's call would meet it too, and count against it again.
				e.log.Warn("template sync round ended: Meta's rate limit for the app is reached; the next round tries again", "tenant", t.ID, "err", err)
				return false
			}
			e.log.Warn("template sync failed", "tenant", t.ID, "err", err)
			return true
		}
		synced++
		if r.Added+r.Updated+r.Removed > 0 {
			e.log.Info("templates synced", "tenant", t.ID, "total", r.Total, "added", r.Added, "updated", r.Updated, "removed", r.Removed)
		}
		return true
	})
	if err != nil {
		e.log.Warn("template sync: tenants not listed", "err", err)
	}
	return synced
}

// appRateLimited reports whether err is Meta's rate limit for the whole app (4): unlike a
// WABA's (80007), it refuses every tenant's calls alike.
func appRateLimited(err error) bool {
	var api *graph.APIError
	return errors.As(err, &api) && api.Parsed && api.Code == graph.CodeAppRateLimit
}
