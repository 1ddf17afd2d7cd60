package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/cluster"
)

// startActors joins the actor cluster (a single member: the Redis membership provider
// comes with clustering) and builds the grain client.
func (e *Engine) startActors() error {
	e.drain = &actors.Drain{}
	deps := &actors.Deps{
		Store: e.store, Log: e.log,
		OnTenantFlags: e.recordTenantFlags,
		Graph:         metaPort{client: e.graph},
		Secrets:       e.vault,
		Outbound:      e.outboundPolicy(),
		Drain:         e.drain,
		OnMessages:    e.publishMessages,
		OnConversation: func(c actors.ConversationSummary) {
			e.events.Publish(c.TenantID, EventConversationUpdated, c)
		},
	}
	node, err := cluster.Start(cluster.Options{
		ClusterName: e.cfg.ClusterName, Addr: e.cfg.ClusterAddr, Codec: actors.Codec(),
		Kinds: actors.Kinds(deps), Logger: e.log,
	})
	if err != nil {
		return fmt.Errorf("engine: start actors: %w", err)
	}
	e.node = node
	e.actors = actors.NewClient(node)
	return nil
}

// EventConversationUpdated is published with a conversation's summary after each durable
// change (API.md's conversation.updated).
const EventConversationUpdated = "conversation.updated"

// publishMessages hands conversations' message events to the hub, each with its type
// (message.new, message.status) and the message's whole record as data.
func (e *Engine) publishMessages(evs []actors.MessageEvent) {
	for i := range evs {
		e.events.Publish(evs[i].TenantID, evs[i].Type, &evs[i])
	}
}

// recordTenantFlags writes webhook-driven flags (the customer uninstalled our app) into the
// directory, where sends and the API read them.
func (e *Engine) recordTenantFlags(tenantID string, needsReauth bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir := e.store.Directory()
	t, err := dir.TenantByID(ctx, tenantID)
	if err != nil {
		e.log.Error("tenant flag not recorded", "tenant", tenantID, "err", err)
		return
	}
	t.NeedsReauth, t.UpdatedAt = needsReauth, time.Now().UTC()
	if err := dir.UpdateTenant(ctx, t); err != nil {
		e.log.Error("tenant flag not recorded", "tenant", tenantID, "err", err)
	}
}
