package webhook

import (
	"time"

	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
)

// Which pending entries a replay takes, and which may have been applied before: the entries
// live.go cannot coordinate, because another run or another node dispatched them.

// redeliverySince is, for an entry being dispatched, the time since which it may have been
// applied before (its arrival), or zero when it cannot have been. On one node each entry of a
// run is dispatched once (above); but an entry that arrived before this processor started may
// have been applied by the previous run, whose crash lost its processed mark (marks are
// written every markEvery), and one older than the sweep age by a peer's sweep. Its
// conversations then dedupe its messages against all they stored since it arrived, not only
// against their dedupe window (actors.Deliver.Since): a hot conversation stores more between
// two marks than an activation indexes. Node clocks are taken to agree.
//
// A node's own clock is not taken never to step back across a restart (NTP at boot, a VM
// restored): the previous run's entries are then stamped after this run's start, as a live
// peer's young ones are, and were left to no one until they looked older than the sweep age.
// An entry stamped in this clock's future that this run did not make may be such a one: it
// may repeat since this run started (its earlier application, stamped by the clock that ran
// ahead, is later still; what this run stored since is not).
func (p *Processor) redeliverySince(e persistence.InboxEntry) time.Time {
	age := p.sweepAge
	if age <= 0 {
		age = DefaultSweepAge // this node does not sweep; its peers may
	}
	now := time.Now()
	switch {
	case e.ReceivedAt.Before(p.started) || now.Sub(e.ReceivedAt) > age:
		return e.ReceivedAt
	case e.ReceivedAt.After(now) && (p.origin == nil || !p.origin.Made(e.ID)):
		return p.started
	}
	return time.Time{}
}

// Origin names the generator of this node's inbox ids (the edge's), before Start: replay then
// leaves a live peer's young entries to it (mine).
func (p *Processor) Origin(gen *ids.Generator) { p.origin = gen }

// mine reports whether replay takes e. In a cluster the inbox is shared, and an entry a live
// peer just acknowledged is in its live queue: dispatching it here too would apply it twice
// but for the conversation's dedupe window. Replay takes this node's entries, and those that
// may be a crashed node's: arrived before this processor started, older than the sweep age
// (the sweep takes the same), or stamped ahead of this node's clock (redeliverySince).
func (p *Processor) mine(e persistence.InboxEntry) bool {
	return p.origin == nil || p.origin.Made(e.ID) || !p.redeliverySince(e).IsZero()
}
