package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// tenantPassivation is long: a tenant's index costs a listing of its conversations to
// rebuild, and there are few tenants compared with conversations.
const tenantPassivation = 30 * time.Minute

// listPage is how many conversation snapshots one List call reads when rebuilding.
const listPage = 500

// tenantGrain owns a tenant's WhatsApp state (templates, quality, account events, aliases),
// a copy of every conversation's summary, for listing inboxes without a secondary index,
// and its outbound pipeline (sender.go): the tenant is where Meta's limits live (its number's
// throughput, its token, its pauses), so one owner paces and retries all of its sends.
type tenantGrain struct {
	d        *Deps
	tenantID string
	state    TenantState
	version  uint64
	// aliases are kept out of state, in shards saved one by one (tenant_aliases.go).
	aliases tenantAliases
	// aliasSaves are the shards' saves in flight, one a shard at most (alias_save.go).
	aliasSaves [aliasShards]*aliasSaving
	convs      *inboxIndex
	// ahead are the changed numbers conversations told of before their flush reached convs.
	ahead numberChangesAhead
	out   *sender
	// fenced is set (to the failure code callers get) once a failed save left the grain
	// unable to tell what the store holds (settleSave): the activation stops after the
	// message at hand.
	fenced string
	// usedAt is when the grain last got a message that counts against passivation: not
	// its own local messages, nor the outbox keeper's wakes (keeperWake).
	usedAt time.Time
}

func newTenantGrain(d *Deps, tenantID string) *tenantGrain {
	g := &tenantGrain{d: d, tenantID: tenantID, state: newTenantState(), convs: newInboxIndex(), ahead: numberChangesAhead{}}
	g.out = newSender(d, tenantID, &g.state, g.save)
	g.out.windowOpen = g.windowOpen
	g.out.contactOf = g.contactOf
	g.out.changedNumber = g.changedNumber
	return g
}

func (g *tenantGrain) Receive(c *cluster.Context, msg any) {
	if w, ok := msg.(*WakeOutbound); ok && w.Due {
		g.keeperWake(c)
		return
	}
	if _, quiet := msg.(actor.NotInfluenceReceiveTimeout); !quiet {
		g.usedAt = g.d.Now()
	}
	g.receive(c, msg)
	if g.fenced != "" && !g.out.stopped {
		// Saves come from the sender too (a pause, a new token): whichever message fenced
		// the grain, it stops here, after answering it.
		g.d.Log.Error("tenant snapshot out of step with the store; stopping activation", "tenant", g.tenantID, "reason", g.fenced)
		held := !g.out.idle()
		g.out.stop()
		g.haltAliases()
		c.Stop()
		if held && g.fenced == cluster.FailureMoved {
			// The messages it held wait in the outbox, and a stop the sender's own save caused
			// has no caller to retry on the owner: wake it, or they wait for the tenant's next
			// call. (A store that cannot be read would fail the activation: not woken.)
			go g.out.handover().wake(nil)
		}
	}
}

func (g *tenantGrain) receive(c *cluster.Context, msg any) {
	switch m := msg.(type) {
	case *actor.Started:
		g.out.tell, g.out.node = c.Teller(), c.Node()
		if err := g.activate(); err != nil {
			g.d.Log.Error("tenant activation failed", "tenant", g.tenantID, "err", err)
			g.out.stop()
			c.Stop()
			return
		}
		g.out.pump()
		c.SetReceiveTimeout(tenantPassivation)
	case *actor.ReceiveTimeout:
		if !g.out.idle() || g.aliasesSaving() {
			c.SetReceiveTimeout(tenantPassivation) // messages still to send or reconcile, aliases to save
			return
		}
		g.stopSending()
		c.Stop()
	case *PrepareSend:
		g.out.answerPrepare(m, c.Reply())
	case *QueueOutbound:
		g.out.queue(m, c.Reply())
	case *queuedDurable:
		g.out.submit(m.row)
	case *CancelOutbound:
		g.out.cancel(m, c.Reply())
	case *cancelDone:
		g.out.canceled(m)
	case *SubmitOutbound:
		g.out.submit(m.Message)
		c.Reply().Send(&Ack{})
	case *WakeOutbound:
		g.out.pump()
		c.Reply().Send(&Ack{})
	case *OutboundEvidence:
		g.out.evidence(m)
		g.out.pump()
		c.Reply().Send(&Ack{})
	case *UpsertSummary:
		if key := indexKey(m.Summary.ID); g.convs.upsert(key, m.Summary) {
			g.out.noteInitiated(key, m.Summary)
			g.ahead.flushed(key, &m.Summary)
		}
		g.out.chargeInbound(m.Inbound)
		c.Reply().Send(&Ack{})
	case *NumberChangeNoted:
		key := indexKey(m.ConversationID) // the summary's id, in the form it was stored under
		g.ahead.note(key, m, g.convs.byID[key])
	case *QueryConversations:
		page := g.convs.query(m)
		c.Reply().Send(&page)
	case *RecordTenantEvents:
		reauth, high, reinstated := g.state.NeedsReauth, g.state.HighThroughput, g.state.ReinstatedAt
		if !g.changeState(c, func() bool {
			for _, ev := range m.Events {
				g.state.apply(ev)
			}
			// Only on a new REINSTATE: the pause's start is worked out from PauseFor, which a
			// restart may have changed since an older one.
			if g.state.ReinstatedAt.After(reinstated) && g.state.liftPause(g.out.pol.PauseFor) {
				g.d.Log.Info("tenant sends resume: Meta reinstated the account", "tenant", g.tenantID)
			}
			if g.state.NeedsReauth && !reauth {
				g.state.ReauthToken = tokenMark(g.out.sealed) // the token the removal killed
			}
			return true
		}) {
			return
		}
		if g.state.NeedsReauth != reauth {
			g.d.OnTenantFlags(g.tenantID, g.state.NeedsReauth)
		}
		if g.state.HighThroughput != high {
			g.out.followRate() // an upgraded number sends faster from now on
		}
		g.out.standingChanged() // saved: a restriction, a ban or a removal may have changed
		g.out.pump()            // a reinstated account may send again
		c.Reply().Send(&Ack{})
	case *ResolveContact:
		g.resolveContact(m, c.Reply())
	case *aliasSaved:
		g.aliasSaved(m)
	case *GetSendingStatus:
		g.out.refreshDirectory(g.d.Now(), false)
		c.Reply().Send(g.out.sendingStatus(g.d.Now()))
	case *LearnMessagingTier:
		if g.changeState(c, func() bool { return g.state.learnTier(m.Tier, g.d.Now()) }) {
			c.Reply().Send(&Ack{})
		}
	case *SyncTemplates:
		var report TemplatesSynced
		if g.changeState(c, func() bool { report = g.state.syncTemplates(m); return true }) {
			c.Reply().Send(&report)
		}
	case *GetTenantState:
		s := g.state.clone()
		c.Reply().Send(&s)
	case *actor.Stopping:
		g.stopSending()
	case *actor.Stopped, *actor.Restarting:
	default:
		if g.out.receive(msg) {
			return
		}
		if c.Reply() != (cluster.Replier{}) {
			c.Reply().Fail(FailureInvalid, fmt.Sprintf("tenant cannot handle %T", msg))
		}
	}
}

// windowOpen reports whether the tenant's copy of a conversation's summary vouches that the
// customer's 24-hour window is open now. A copy is never ahead of its conversation and a
// window only closes with time, so "open" is true; "closed" or "unknown" may be stale (a
// message just stored), and only the conversation can tell.
func (g *tenantGrain) windowOpen(conversationID string) bool {
	sum, ok := g.convs.byID[conversationID]
	return ok && sum.WindowOpen(g.d.Now())
}

// contactOf is the customer of a conversation as the tenant's copy of its summary shows
// them (zero when the tenant has no copy). A copy may lag a "stop" that just arrived: then
// Meta refuses the template (131050), which marks the customer opted out too.
func (g *tenantGrain) contactOf(conversationID string) Contact {
	return g.convs.byID[conversationID].Contact
}

// changedNumber is the number a conversation's customer changed to, and the conversation
// they continue in, as the tenant's copy of its summary shows them with a notice the
// conversation told of ahead of its flush ("" when they did not, or came back). Unlike
// contactOf's, the copy does not lag the notice: the conversation tells it before its flush.
func (g *tenantGrain) changedNumber(conversationID string) (to, continuedIn string) {
	told, ahead := g.ahead[conversationID]
	if !ahead && g.convs.byID[conversationID].Contact.ChangedNumberTo == "" {
		return "", "" // every send asks, twice: no copy of the summary for the common answer
	}
	sum, ok := g.convs.byID[conversationID]
	if !ok {
		sum = ConversationSummary{ID: conversationID, TenantID: g.tenantID} // told of before its first flush
	}
	sum.Contact.learnChangedNumber(told.ChangedNumberTo, told.ChangedNumberAt)
	return changedNumberOf(&sum)
}

// activate loads the tenant snapshot and rebuilds the inbox index from the conversations'
// own snapshots (each conversation writes its summary with every change, so the index is
// exactly as current as the store).
func (g *tenantGrain) activate() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := g.loadState(ctx); err != nil {
		return err
	}
	g.out.beginGates() // before the outbox: its rows make the numbers' gates
	// The outbox after the snapshot: pauses live in the snapshot, and recovery must know
	// them before it resumes anything.
	if err := g.out.load(ctx); err != nil {
		return fmt.Errorf("load outbox: %w", err)
	}
	return nil
}

// loadState loads the tenant snapshot and its aliases, and rebuilds the inbox index.
func (g *tenantGrain) loadState(ctx context.Context) error {
	var stored storedTenant
	snap, err := g.d.Store.Snapshots().Load(ctx, KindTenant, g.tenantID)
	switch {
	case errors.Is(err, persistence.ErrNotFound):
	case err != nil:
		return fmt.Errorf("load tenant snapshot: %w", err)
	default:
		if err := unmarshal(snap.Data, &stored); err != nil {
			return fmt.Errorf("decode tenant snapshot: %w", err)
		}
		g.state, g.version = stored.TenantState, snap.Version
		if g.state.Templates == nil {
			g.state.Templates = map[string]TemplateState{}
		}
		g.state.settle()
	}
	if err := g.loadAliases(ctx); err != nil {
		return err
	}
	if err := g.migrateAliases(stored.aliasGenerations); err != nil {
		return err
	}
	after := ""
	for {
		page, err := g.d.Store.Snapshots().List(ctx, KindConversation, g.tenantID+"/", after, listPage)
		if err != nil {
			return fmt.Errorf("list conversations: %w", err)
		}
		for _, s := range page {
			var cs struct {
				Summary ConversationSummary `json:"summary"`
			}
			if err := unmarshal(s.Data, &cs); err != nil {
				return fmt.Errorf("decode conversation %s: %w", s.Identity, err)
			}
			dateUndatedNotice(&cs.Summary)
			if key := indexKey(cs.Summary.ID); g.convs.upsert(key, cs.Summary) {
				g.out.noteInitiated(key, cs.Summary)
			}
		}
		if len(page) < listPage {
			return nil
		}
		after = page[len(page)-1].Identity
	}
}

// keeperWake answers the outbox keeper, which found work due for the tenant in the store.
// An activation that holds nothing and has not been used for the passivation's idle time
// stops, as its receive timeout would have (the keeper's wakes keep resetting that timer),
// and wakes the next activation, which reloads the work from the store: work this one does
// not hold is a row it cannot see (one left sending by a stopped activation's hand-over, say).
// Any other activation resumes its outbox, which it does on its own anyway.
func (g *tenantGrain) keeperWake(c *cluster.Context) {
	c.Reply().Send(&Ack{})
	if !g.out.idle() || g.aliasesSaving() || g.d.Now().Sub(g.usedAt) < tenantPassivation || !g.out.enabled() {
		g.out.redecideLive() // a retryable row marked behind this activation's back
		g.out.pump()
		return
	}
	g.d.Log.Info("idle tenant with work due in its outbox; activating it again", "tenant", g.tenantID)
	g.stopSending()
	c.Stop()
	go g.out.handover().wake(nil)
}
