package webhook

import "github.com/switchboard/switchboard/persistence"

// The live queue carries entries from the edge to the dispatcher in memory, so a webhook is
// processed without reading it back from the store. The same entries are pending in the store
// (durable before they are acknowledged), where replay and the sweep read them too. Replay runs
// whenever the live queue overflowed or a spilled lane drained, and dispatches every pending
// entry in arrival order, the live-queued ones included: skipping them would let later entries
// of their conversations, which only the store holds, overtake them.
//
// Holding an entry keeps two dispatches of it from running at once, not one after the other:
// an entry replay had finished and released was dispatched again when the live queue reached
// it, and a conversation's wamid dedupe catches that only within its window (its last 1,024 to
// 2,048 messages: about a second of a hot conversation). So the live queue dispatches only the
// entries no dispatch from the store took while they waited: on one node, each entry is
// dispatched once, whatever the window. The edge announces an entry before it writes it
// (Expect), so that no replay can read it from the store before the processor knows the live
// queue will carry it.

// liveMark is what became of an entry announced for the live queue.
type liveMark uint8

const (
	liveExpected liveMark = iota // the live queue dispatches it
	liveTaken                    // replay or the sweep dispatched it: the live queue drops it
)

// Expect announces an entry the edge is about to write and Submit: call it before the write,
// and Forget if the write fails. A processor not running expects nothing, and Expect reports
// false: the edge passes that on to Submit.
func (p *Processor) Expect(id string) bool {
	if !p.running.Load() {
		return false
	}
	p.liveMu.Lock()
	p.expected[id] = liveExpected
	p.liveMu.Unlock()
	return true
}

// Forget withdraws an Expect: the entry will not be submitted. A write that lands after all
// (the edge gave up waiting) leaves a pending entry like any other, for replay and the sweep.
func (p *Processor) Forget(id string) {
	p.liveMu.Lock()
	delete(p.expected, id)
	p.liveMu.Unlock()
}

// Submit hands an entry that is already durable to the live queue, announced by what Expect
// reported; it never blocks, and while the processor runs it takes no lock: the edge takes the live queue's lock once per
// webhook (Expect) and the dispatch loop once (dispatchLive), which drops the entry if replay
// took it meanwhile. A processor that was never started, or has stopped, takes nothing: the
// entry waits in the store for a processing node's replay (or the next start's). An entry
// Expect did not announce, in a processor started since (between the edge's Expect and
// Submit), is left to the store too: its first replay may read it there without knowing the
// live queue carries it, and run it twice. A replay is asked for, so it does not wait for
// the sweep.
func (p *Processor) Submit(e persistence.InboxEntry, announced bool) {
	if !p.running.Load() {
		if announced {
			p.Forget(e.ID) // announced as Stop ran: its mark would stay for ever
		}
		return
	}
	if !announced {
		p.askReplay()
		return
	}
	select {
	case p.live <- e:
	default:
		// Full: the entry is safe in the store; replay will pick it up.
		p.Forget(e.ID)
		p.askReplay()
	}
}

// dispatchLive dispatches an entry from the live queue, unless replay or the sweep took it
// since Expect announced it.
func (p *Processor) dispatchLive(e persistence.InboxEntry) {
	if p.takeLive(e.ID) {
		p.dispatch(e)
	}
}

// takeLive takes the mark of an entry the live queue carried, and reports whether the live
// queue is to dispatch it: false when replay or the sweep took it (counted). One read and one
// delete of its mark, under one lock.
func (p *Processor) takeLive(id string) bool {
	p.liveMu.Lock()
	taken := p.expected[id] == liveTaken
	delete(p.expected, id)
	p.liveMu.Unlock()
	if taken {
		p.stats.LiveTaken.Add(1)
	}
	return !taken
}

// dispatchStored dispatches an entry read from the store (replay, the sweep); an entry the
// live queue carries too is taken from it, so it runs once.
func (p *Processor) dispatchStored(e persistence.InboxEntry) {
	p.liveMu.Lock()
	if _, ok := p.expected[e.ID]; ok {
		p.expected[e.ID] = liveTaken
	}
	p.liveMu.Unlock()
	p.dispatch(e)
}

// dropLive lets go of what the live queue holds once the dispatch loop has stopped: its
// entries are pending in the store, for the next start's replay, and nothing here takes them
// any more. A Submit that found the processor running just before Stop may still queue one
// (one per request in flight at the stop); it goes with the processor.
func (p *Processor) dropLive() {
	for {
		select {
		case <-p.live:
		default:
			p.liveMu.Lock()
			clear(p.expected)
			p.liveMu.Unlock()
			return
		}
	}
}
