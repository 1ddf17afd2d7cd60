package actors

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// Saving the tenant snapshot, and what a failed save means. The grain changes its state in
// memory and then saves it; a save that fails leaves memory ahead of the store, and a save
// whose answer was lost (a timeout after the write) may have landed, leaving the grain's
// version behind the store. Before, any failed save stopped the activation, and with
// it the sender: sends in flight lost their outcomes (their rows waited two minutes as
// unknown for the next activation to reconcile, at the risk of a duplicate) for what was
// usually a store that hiccupped once. Now the grain reads the stored version back and
// stops only when it cannot tell what the store holds; its sends in flight then hand their
// messages over to the next activation (sender_handover.go). The sender's own saves (a
// pause, a new token) keep their change in memory when nothing landed: it is true, and the
// next save carries it. The shards of the tenant's aliases (tenant_aliases.go) are saved and
// settled the same way, each under its own version.

// errNotSaved: the store holds the version the grain holds, so the failed save changed
// nothing; the grain keeps running (the change is undone, the caller retries).
var errNotSaved = errors.New("tenant snapshot not saved")

// save writes the tenant snapshot as the version after the grain's (saveVersion).
func (g *tenantGrain) save() error {
	data, err := marshal(g.state)
	if err != nil {
		return fmt.Errorf("encode tenant state: %w", err)
	}
	return g.saveVersion(KindTenant, g.tenantID, &g.version, data)
}

// saveVersion writes data as the version after *version of one of the tenant's snapshots (its
// own, or a shard of its aliases). When the write fails it finds out what the store holds
// (settleSave): it returns nil if the write landed after all, errNotSaved if nothing landed,
// and otherwise sets fenced (the activation stops). *version follows what landed.
func (g *tenantGrain) saveVersion(kind, identity string, version *uint64, data []byte) error {
	snap := persistence.Snapshot{Kind: kind, Identity: identity, Version: *version + 1, Data: data, UpdatedAt: g.d.Now()}
	if err := g.settleSave(writeSnapshot(g.d.Store, snap, *version)); err != nil {
		return err
	}
	*version = snap.Version
	return nil
}

// snapshotWrite is the IO of one conditional snapshot write: the write, and when the store
// reported it failed, what the store holds now (read back for settleSave). It runs on the
// grain's turn for the tenant snapshot, and off it for a shard of aliases (alias_save.go).
type snapshotWrite struct {
	written persistence.Snapshot
	held    uint64 // the version the write was conditional on
	saveErr error  // nil: the write landed
	stored  persistence.Snapshot
	loadErr error
}

// writeSnapshot writes snap over version held and, if the store refuses or fails it, reads
// back what it holds.
func writeSnapshot(store persistence.Store, snap persistence.Snapshot, held uint64) snapshotWrite {
	w := snapshotWrite{written: snap, held: held}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := store.Snapshots().Save(ctx, snap); err != nil {
		w.saveErr = fmt.Errorf("save %s %s: %w", snap.Kind, snap.Identity, err)
		rctx, rcancel := context.WithTimeout(context.Background(), storeTimeout)
		defer rcancel()
		w.stored, w.loadErr = store.Snapshots().Load(rctx, snap.Kind, snap.Identity)
	}
	return w
}

// settleSave decides a snapshot write (nil when it landed). A failed one is judged by what
// the store held when read back:
//   - the version written, holding its data: the write landed and its answer was lost; adopted;
//   - the version held (none stored, for version 0): nothing landed, errNotSaved;
//   - anything else — another writer's version (a duplicate activation), or a store that
//     cannot even be read — fences the activation: its state can no longer be reconciled
//     with the store's, so it stops and the next activation reloads what is durable.
//
// A write still in flight when the read sees the version held may land later; the grain's
// next save of that snapshot then finds another version holding other data, and stops. It
// returns nil when the write landed or is adopted (the caller then moves its version to
// written's).
func (g *tenantGrain) settleSave(w snapshotWrite) error {
	written, held, stored, err := w.written, w.held, w.stored, w.loadErr
	switch {
	case w.saveErr == nil:
		return nil
	case err == nil && stored.Version == written.Version && bytes.Equal(stored.Data, written.Data):
		g.d.Log.Warn("tenant snapshot saved though the store reported a failure", "tenant", g.tenantID,
			"kind", written.Kind, "identity", written.Identity, "version", stored.Version, "err", w.saveErr)
		return nil
	case err == nil && stored.Version == held, errors.Is(err, persistence.ErrNotFound) && held == 0:
		return fmt.Errorf("%w: %w", errNotSaved, w.saveErr)
	case err != nil:
		g.fenced = FailureStore
		return fmt.Errorf("%w; reading it back: %w", w.saveErr, err)
	default:
		g.fenced = cluster.FailureMoved
		return fmt.Errorf("%w; the store holds version %d, this activation %d (another writer): %w",
			w.saveErr, stored.Version, held, persistence.ErrVersionConflict)
	}
}

// changeState applies a change to the tenant snapshot's state, saves it, and reports whether
// it is durable. apply reports whether it changed anything (nothing to save if not). If the
// save fails, the change is undone (a checkpoint taken before apply is put back), so the
// caller's retry applies it again rather than finding it applied and answering success for a
// change never stored; the failure is answered to the caller (refuseUnsaved).
func (g *tenantGrain) changeState(c *cluster.Context, apply func() bool) bool {
	before := g.state.checkpoint()
	if !apply() {
		return true
	}
	err := g.save()
	if err == nil {
		return true
	}
	g.state = before
	g.refuseUnsaved(c.Reply(), "tenant change not saved; undone", err)
	return false
}

// refuseUnsaved answers a call whose change was undone because its save failed: with the
// fence's code when the save stopped the activation (the caller goes on to the next one),
// FailureStore otherwise.
func (g *tenantGrain) refuseUnsaved(r cluster.Replier, msg string, err error) {
	code := FailureStore
	if g.fenced != "" {
		code = g.fenced
	}
	g.d.Log.Warn(msg, "tenant", g.tenantID, "err", err, "stopping", g.fenced != "")
	r.Fail(code, err.Error())
}
