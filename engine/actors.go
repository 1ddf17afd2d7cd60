package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// startActors joins the actor cluster (a single member unless WithMembership names a
// provider: the Redis membership provider comes with clustering) and builds the grain client.
func (e *Engine) startActors() error {
	e.drain = &actors.Drain{}
	deps := &actors.Deps{
		Store: e.store, Log: e.log,
		OnTenantFlags:   e.recordTenantFlags,
		OnTokenRejected: e.recordTokenRejected,
		Graph:           metaPort{client: e.graph},
		Secrets:         e.vault,
		Outbound:        e.outboundPolicy(),
		Drain:           e.drain,
		OnMessages:      e.publishMessages,
		OnConversation: func(c actors.ConversationSummary) {
			e.events.Publish(c.TenantID, actors.EventConversationUpdated, c)
		},
		OnTenantUpdated: func(u actors.TenantUpdate) {
			e.events.Publish(u.TenantID, actors.EventTenantUpdated, u)
		},
		OnAssigned: func(a actors.ConversationAssigned) {
			e.events.Publish(a.TenantID, actors.EventConversationAssigned, a)
		},
	}
	node, err := cluster.Start(cluster.Options{
		ClusterName: e.cfg.ClusterName, Addr: e.cfg.ClusterAddr, Codec: actors.Codec(),
		Kinds: actors.Kinds(deps), Logger: e.log, Provider: e.membership,
	})
	if err != nil {
		return fmt.Errorf("engine: start actors: %w", err)
	}
	e.node = node
	e.actors = actors.NewClient(node)
	return nil
}

// publishMessages hands conversations' message events to the hub, each with its type
// (message.new, message.status) and the message's whole record as data.
func (e *Engine) publishMessages(evs []actors.MessageEvent) {
	for i := range evs {
		e.events.Publish(evs[i].TenantID, evs[i].Type, &evs[i])
	}
}

// recordTenantFlags writes webhook-driven flags (the customer uninstalled our app) into the
// directory, where sends and the API read them. Only the flag is written: a whole-entry
// write of what was read a moment ago could undo a signup that stored a new token meanwhile.
func (e *Engine) recordTenantFlags(tenantID string, needsReauth bool) {
	e.markNeedsReauth(tenantID, needsReauth, nil)
}

// recordTokenRejected flags the tenant as needing re-authorisation after Meta rejected
// token (190), unless the directory holds another token by now.
func (e *Engine) recordTokenRejected(tenantID string, token persistence.SealedSecret) {
	e.markNeedsReauth(tenantID, true, &token)
}

func (e *Engine) markNeedsReauth(tenantID string, needsReauth bool, token *persistence.SealedSecret) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	applied, err := e.store.Directory().MarkNeedsReauth(ctx, tenantID, needsReauth, token, time.Now())
	switch {
	case err != nil:
		e.log.Error("tenant flag not recorded", "tenant", tenantID, "needsReauth", needsReauth, "err", err)
	case !applied:
		e.log.Info("token rejected by Meta was replaced since; tenant not flagged", "tenant", tenantID)
	}
}
