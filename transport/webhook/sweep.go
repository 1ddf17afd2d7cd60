package webhook

import (
	"context"
	"maps"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// The sweep: every node reads the oldest pending inbox entries now and then and dispatches
// again those it does not hold itself. In a cluster the inbox is shared, and an entry a peer
// acknowledged just before it crashed would otherwise wait for some node's restart
// (ARCHITECTURE.md: "claimed by another node in a cluster"); on one node it retries an entry
// whose dispatch was given up without a replay being scheduled.
//
// Dispatching an entry another node still processes is safe, only wasted work: a conversation
// dedupes messages by wamid and statuses only move forward; preferences and tenant events
// apply only when not older than what they replace; contact aliases are set, not added. An
// entry past the sweep age is delivered as one that may repeat (redeliverySince), so its
// conversation recognises a message among all it stored since the entry arrived, up to 1,024
// messages beyond its dedupe index (message_log.go recall): a second delivery after more
// newer messages than that would store it twice; and a tenant event applied twice is listed
// twice in the tenant's recent events. The sweep's age keeps such doubles to entries that are
// far past any live node's processing time.
const (
	// DefaultSweepAge is how old a pending entry must be before the sweep takes it: far past
	// what a live node needs to finish an entry (routing is bounded by one minute, a grain
	// call by callTimeout, marks are written every markEvery), so a peer that is alive is
	// rarely second-guessed, and a dead peer's entries wait about this long.
	DefaultSweepAge = 2 * time.Minute
	// maxSweepEvery bounds how long past its age an entry may wait for a sweep.
	maxSweepEvery = 30 * time.Second
	// sweepPage bounds one round: one indexed read (processed, _id) of this many entries.
	sweepPage = 256
	// sweepReadTimeout bounds the round's read; a slow store skips a round, nothing else.
	sweepReadTimeout = 10 * time.Second
)

// sweepEvery is how often the sweep runs for a given age: often enough that an entry waits
// at most about a quarter of its age more.
func sweepEvery(age time.Duration) time.Duration {
	return max(min(age/4, maxSweepEvery), 10*time.Millisecond)
}

// sweep runs one round from the dispatch loop (so its dispatches queue behind live ones and
// feel the lanes' backpressure like them). The cursor walks the pending entries in id
// (arrival) order across rounds and starts again at the oldest once it reaches entries
// younger than the age or the end, so entries this node holds for long cannot hide the ones
// behind them.
func (p *Processor) sweep() {
	page, heldBefore, err := p.pendingPage(sweepReadTimeout, p.sweepAfter, sweepPage)
	if err != nil {
		p.log.Warn("inbox sweep read failed; next round retries", "err", err)
		return
	}
	p.sweepAfter = ""
	if len(page) == sweepPage {
		p.sweepAfter = page[len(page)-1].ID
	}
	cutoff := time.Now().Add(-p.sweepAge)
	for _, e := range page {
		select {
		case <-p.stop:
			return
		default:
		}
		if _, held := heldBefore[e.ID]; held {
			continue
		}
		if e.ReceivedAt.After(cutoff) {
			p.sweepAfter = "" // the rest arrived later still
			return
		}
		p.log.Info("inbox entry swept: pending past the sweep age, held by no one here", "inbox_id", e.ID, "received_at", e.ReceivedAt)
		p.stats.Replayed.Add(1)
		p.dispatchStored(e)
	}
}

// pendingPage reads up to limit pending entries after afterID for replay or the sweep, with
// the entries this node held before the read. Which entries it holds is taken first: one
// held then may finish while the read or an earlier dispatch of the page runs, and once
// released it would look unheld although the page shows it pending from before it was
// processed; the caller skips them. No entry becomes held meanwhile but by the caller's loop
// (dispatches run on the dispatch loop, as replay and the sweep do).
func (p *Processor) pendingPage(timeout time.Duration, afterID string, limit int) ([]persistence.InboxEntry, map[string]struct{}, error) {
	heldBefore := p.heldNow()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	page, err := p.store.Inbox().Pending(ctx, afterID, limit)
	return page, heldBefore, err
}

// hold records that this node is processing entry id; false when it already is.
func (p *Processor) hold(id string) bool {
	p.heldMu.Lock()
	defer p.heldMu.Unlock()
	if _, ok := p.held[id]; ok {
		return false
	}
	p.held[id] = struct{}{}
	return true
}

// heldNow returns a copy of the entries this node is processing (at most what its lanes
// hold: a sweep round copies it once).
func (p *Processor) heldNow() map[string]struct{} {
	p.heldMu.Lock()
	defer p.heldMu.Unlock()
	return maps.Clone(p.held)
}

// release forgets entries this node no longer processes: marked processed, or left for
// replay.
func (p *Processor) release(ids ...string) {
	p.heldMu.Lock()
	defer p.heldMu.Unlock()
	for _, id := range ids {
		delete(p.held, id)
	}
}
