package actors

import (
	"fmt"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// Saving a shard of aliases off the tenant actor's turn. A ResolveContact that teaches the
// tenant a new alias (or moves one out of the old generation) is answered once its shard is
// durable, as before, but the write no longer runs inside the actor's turn: the tenant actor
// also runs the sender, and every new customer's save held every send of the tenant up for a
// store round trip (0.25–0.28 ms on the embedded store, a network round trip or more on
// MongoDB: a campaign's replies from new customers, hundreds a second, would stall its sends).
// Now the actor marshals the shard and goes on; the write and, if it fails, the read back run
// on the IO pool, and the outcome comes back as aliasSaved, settled as the tenant snapshot's
// is (tenant_save.go). One save per shard is in flight: what comes for a shard meanwhile —
// new aliases and lookups alike, which must not answer from an alias not yet durable — waits
// in order and runs when it is decided, so the undo of a failed save (aliasUndo) finds the
// shard as it left it. The 250 shards write independently, and the store groups concurrent
// writes into one durable commit.

// aliasSaving is a shard's save in flight: the call whose change it writes, and the calls for
// the shard that came meanwhile. done closes once write holds the write's outcome: an
// activation that stops settles its saves in flight from there (haltAliases), since the
// aliasSaved it was told is dropped with its mailbox.
type aliasSaving struct {
	reply cluster.Replier
	undo  aliasUndo
	key   string // the answer once durable
	next  []pendingResolve
	done  chan struct{}
	write snapshotWrite
}

// pendingResolve is a ResolveContact waiting for its shard's save in flight.
type pendingResolve struct {
	m     *ResolveContact
	reply cluster.Replier
}

// aliasSaved is a shard's write coming back to the grain.
type aliasSaved struct {
	shard int
	write snapshotWrite
}

// resolveContact answers a ResolveContact: it teaches the tenant the user's alias (WaID set)
// or looks it up (UserID alone). A change is answered once its shard is saved (only that
// shard: a new alias, or one moved out of the old generation); a failed save undoes it.
func (g *tenantGrain) resolveContact(m *ResolveContact, r cluster.Replier) {
	n, sh := g.aliases.shard(m.UserID)
	if f := g.aliasSaves[n]; f != nil {
		f.next = append(f.next, pendingResolve{m: m, reply: r})
		return
	}
	key, undo, changed := m.WaID, sh.mark(m.UserID), false
	switch {
	case m.WaID != "":
		changed = sh.learn(m.UserID, m.WaID)
	case m.UserID != "":
		key, changed = sh.of(m.UserID)
	}
	if key == "" {
		key = m.UserID
	}
	if !changed {
		r.Send(&ContactKey{Key: key})
		return
	}
	data, err := marshal(&sh.aliasGenerations)
	if err != nil {
		sh.undo(undo)
		r.Fail(FailureStore, fmt.Sprintf("encode alias shard %d: %v", n, err))
		return
	}
	if !g.d.Drain.begin() { // the node is stopping: its store closes behind the last write it let begin
		sh.undo(undo)
		r.Fail(cluster.FailureStopping, "node stopping")
		return
	}
	snap := persistence.Snapshot{Kind: KindTenantAliases, Identity: shardIdentity(g.tenantID, n),
		Version: sh.version + 1, Data: data, UpdatedAt: g.d.Now()}
	f := &aliasSaving{reply: r, undo: undo, key: key, done: make(chan struct{})}
	g.aliasSaves[n] = f
	store, held, tell, drain := g.d.Store, sh.version, g.out.tell, g.d.Drain
	g.d.spawn(func() {
		defer drain.end()
		w := writeSnapshot(store, snap, held)
		f.write = w
		close(f.done)
		tell(&aliasSaved{shard: n, write: w})
	})
}

// aliasSaved settles a shard's save, answers its call, and runs the calls that waited for it.
func (g *tenantGrain) aliasSaved(d *aliasSaved) {
	f := g.aliasSaves[d.shard]
	if f == nil {
		return // not this activation's
	}
	g.aliasSaves[d.shard] = nil
	sh := &g.aliases[d.shard]
	if err := g.settleSave(d.write); err != nil {
		sh.undo(f.undo)
		g.refuseUnsaved(f.reply, "tenant alias not saved; undone", err)
	} else {
		sh.version = d.write.written.Version
		f.reply.Send(&ContactKey{Key: f.key})
	}
	for i, p := range f.next {
		if g.fenced != "" {
			// Never tried: retried on the next activation, as stopping calls are.
			p.reply.Fail(cluster.FailureStopping, "tenant activation stopping: its snapshots are out of step with the store")
			continue
		}
		g.resolveContact(p.m, p.reply)
		if again := g.aliasSaves[d.shard]; again != nil {
			again.next = append(again.next, f.next[i+1:]...)
			return
		}
	}
}

// aliasesSaving reports whether a shard's save is in flight (the activation is not idle).
func (g *tenantGrain) aliasesSaving() bool {
	for _, f := range g.aliasSaves {
		if f != nil {
			return true
		}
	}
	return false
}

// haltAliases settles the shards' saves in flight as the activation stops, which drops the
// aliasSaved each is told: it waits for each write's outcome (bounded by its store timeouts,
// writeSnapshot) and answers its call from it — the alias, if it is durable — and fails the
// calls waiting behind it as stopping, to be retried on the next activation. Waiting, rather
// than answering "stopping" at once, keeps a write of this activation from landing after the
// next one has loaded the shard: the retry would find the alias missing, and its own save of
// the shard would be refused by this one's and stop that activation too.
func (g *tenantGrain) haltAliases() {
	for n, f := range g.aliasSaves {
		if f == nil {
			continue
		}
		g.aliasSaves[n] = nil
		g.settleHalted(n, f)
		// After the write is decided: a retry cannot reach the next activation before it.
		for _, p := range f.next {
			p.reply.Fail(cluster.FailureStopping, "tenant activation stopping")
		}
	}
}

// settleHalted waits for a stopping activation's save of shard n and answers its call.
func (g *tenantGrain) settleHalted(n int, f *aliasSaving) {
	select {
	case <-f.done:
	case <-time.After(2*storeTimeout + time.Second):
		f.reply.Fail(cluster.FailureStopping, "tenant activation stopping; its alias save did not finish")
		return
	}
	if err := g.settleSave(f.write); err != nil {
		f.reply.Fail(cluster.FailureStopping, err.Error())
		return
	}
	g.aliases[n].version = f.write.written.Version
	f.reply.Send(&ContactKey{Key: f.key})
}
