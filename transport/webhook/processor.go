package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

// Processor limits (README, "Limits").
const (
	// liveQueue is how many acknowledged entries wait in memory for the dispatcher; past it
	// entries are left to the replay from the store (nothing is lost, only delayed).
	liveQueue = 16_384
	laneCount = 256
	// laneDepth is how many jobs a lane queues before it refuses entries (they wait in the
	// inbox: lanes.go).
	laneDepth = 64
	// giveUpAfter and giveUpAttempts: a grain call failing at least this many times over at
	// least this long, while other calls succeed, is kept as a dead letter (lanes.runJob).
	giveUpAfter    = 10 * time.Minute
	giveUpAttempts = 20
	// callTimeout bounds one grain call; a call past it is retried.
	callTimeout = 15 * time.Second
	replayPage  = 256
)

// Processor turns durable inbox entries into grain calls.
type Processor struct {
	store  persistence.Store
	client *actors.Client
	dir    *Directory
	log    *slog.Logger
	stats  *Stats

	// held is every entry this node dispatched and has not marked processed (or left for
	// replay): replay and the sweep skip them, so no entry runs twice here at once; expected
	// keeps one from running twice one after the other (live.go).
	heldMu sync.Mutex
	held   map[string]struct{}
	// expected is every entry the edge announced for the live queue (live.go) and the live
	// queue has not dispatched yet, and whether replay or the sweep took it meanwhile. Its
	// own lock: every acknowledged webhook takes it, and markLoop holds heldMu for a batch.
	liveMu   sync.Mutex
	expected map[string]liveMark
	// sweepAge: see DefaultSweepAge; 0 disables the sweep. sweepAfter is its cursor.
	sweepAge   time.Duration
	sweepAfter string

	live chan persistence.InboxEntry
	// origin makes this node's inbox ids (Origin); nil takes every entry as this node's.
	origin *ids.Generator
	// started is when Start ran: entries that arrived before may have been applied by the
	// previous run (redeliverySince).
	started time.Time
	// running is set by Start and cleared by Stop: a node that stores webhooks without
	// processing them never starts its processor, and a stopped one takes nothing more, so
	// what its edge submits does not pile up in live, where no one would take it (it waits
	// in the store for the next start's replay).
	running  atomic.Bool
	overflow atomic.Bool
	wake     chan struct{}
	lanes    *lanes
	marks    chan string
	aliases  aliases // tenantID+"/"+userID → wa_id, and the one the tenant was taught
	stop     chan struct{}
	// lanesDone is closed by Stop once the lanes and the dispatch loop have stopped: every
	// mark of a finished entry is queued then, and markLoop writes them before it returns.
	lanesDone chan struct{}
	// dispatching is the dispatch loop, which finishes entries too (dispatch's own hold).
	dispatching sync.WaitGroup
	wg          sync.WaitGroup
	stopOnce    sync.Once
}

// NewProcessor builds a processor; Start runs it. sweepAge is how old a pending entry must be
// before the sweep dispatches it again (DefaultSweepAge; 0 disables the sweep).
func NewProcessor(store persistence.Store, client *actors.Client, stats *Stats, log *slog.Logger, sweepAge time.Duration) *Processor {
	p := &Processor{
		store: store, client: client, dir: NewDirectory(store.Directory()), log: log, stats: stats,
		held: map[string]struct{}{}, expected: map[string]liveMark{}, sweepAge: sweepAge,
		live: make(chan persistence.InboxEntry, liveQueue), wake: make(chan struct{}, 1),
		marks: make(chan string, liveQueue), stop: make(chan struct{}), lanesDone: make(chan struct{}),
	}
	p.lanes = newLanes(laneCount, laneDepth, func(err error) {
		p.stats.Retries.Add(1)
		p.log.Warn("grain call failed; retrying", "err", err)
	}, func() {
		// A spilled lane has room again: replay dispatches the entries it refused.
		p.askReplay()
	})
	return p
}

// askReplay has the dispatch loop replay the pending entries from the store.
func (p *Processor) askReplay() {
	p.overflow.Store(true)
	p.signal()
}

func (p *Processor) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Start replays every entry left unprocessed (a crash after the 200) and then processes
// live entries; replay runs again whenever the live queue overflowed, and the sweep takes
// entries left pending too long (sweep.go).
func (p *Processor) Start() {
	select {
	case <-p.stop:
		// Its lanes and loops are gone: a processor runs once (the engine builds one per run).
		panic("webhook: Processor.Start after Stop")
	default:
	}
	p.started = time.Now()
	p.running.Store(true)
	p.wg.Add(1)
	p.dispatching.Add(1)
	go p.markLoop()
	go p.dispatchLoop()
	p.askReplay() // what a previous run left
}

// Stop lets the grain calls under way finish, marks the entries that finished, then stops;
// unfinished entries, and those the edge stores from now on, stay pending for the next
// start's replay. It cannot be started again.
func (p *Processor) Stop() {
	p.stopOnce.Do(func() {
		p.running.Store(false) // the edge's Expect and Submit take nothing more
		close(p.stop)
		p.lanes.close() // a dispatch under way is refused from here: its entry stays pending
		p.dispatching.Wait()
		close(p.lanesDone)
		p.wg.Wait()
		p.dropLive()
	})
}

func (p *Processor) dispatchLoop() {
	defer p.dispatching.Done()
	var sweeps <-chan time.Time
	if p.sweepAge > 0 {
		tick := time.NewTicker(sweepEvery(p.sweepAge))
		defer tick.Stop()
		sweeps = tick.C
	}
	for {
		select {
		case <-p.stop:
			return
		case <-sweeps:
			p.sweep()
		case e := <-p.live:
			p.dispatchLive(e)
		case <-p.wake:
			if p.overflow.Swap(false) {
				p.replay()
			}
		}
	}
}

// replay dispatches every pending entry in id order, but those this node holds already or
// held when their page was read (pendingPage: finished since, not to run twice), and a live
// peer's (mine). It first
// lets the spilled lanes with room take entries again: the entries they refused are among the
// pending ones, and come again in order. Held entries it skips are ahead in their lanes.
func (p *Processor) replay() {
	after := ""
	unspilled := p.lanes.unspill()
	for {
		page, heldBefore, err := p.pendingPage(time.Minute, after, replayPage)
		if err != nil {
			// The entries after the read are not dispatched: the lanes that may hold them
			// refuse again, so no later live entry overtakes them.
			respill(unspilled)
			p.log.Error("inbox replay failed; will retry", "err", err)
			time.AfterFunc(time.Second, p.askReplay)
			return
		}
		for _, e := range page {
			select {
			case <-p.stop:
				return
			default:
			}
			if _, held := heldBefore[e.ID]; held || !p.mine(e) {
				continue
			}
			p.stats.Replayed.Add(1)
			p.dispatchStored(e)
		}
		if len(page) < replayPage {
			return
		}
		after = page[len(page)-1].ID
	}
}

// tracked counts an entry's outstanding jobs; the last one to finish marks it processed.
// jobs are the grain calls routing found, queued all at once when routing is done.
type tracked struct {
	id      string
	pending atomic.Int32
	jobs    []job
	p       *Processor
}

// dropAll tells each of the entry's jobs it will not run (none was queued).
func (t *tracked) dropAll() {
	for _, j := range t.jobs {
		j.drop()
	}
}

func (t *tracked) done() {
	if t.pending.Add(-1) == 0 {
		t.p.stats.Entries.Add(1)
		select {
		case t.p.marks <- t.id: // the usual case, stopping or not: marks has room
		default:
			select {
			case t.p.marks <- t.id:
			case <-t.p.stop: // markLoop is stuck on a store that refuses marks: replayed
			}
		}
	}
}

// dispatch routes one entry and queues its jobs, all or none. It holds one extra count on the
// entry while queueing jobs so the entry cannot complete before all of its jobs are queued.
// Refused (a lane it needs is full, or the lanes stopped), the entry stays pending in the
// inbox: replay dispatches it again once the lane drained, or the next start does.
func (p *Processor) dispatch(e persistence.InboxEntry) {
	if !p.hold(e.ID) {
		return // already being processed here (live and replayed, or swept)
	}
	t := &tracked{id: e.ID, p: p}
	t.pending.Store(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.route(ctx, e, t); err != nil {
		// Routing itself failed (the directory or dead-letter store is down): leave the
		// entry pending; replay picks it up again.
		p.log.Error("inbox entry not routed; left for replay", "inbox_id", e.ID, "err", err)
		t.dropAll()
		p.release(e.ID)
		time.AfterFunc(time.Second, p.askReplay)
		return
	}
	p.queue(t)
}

// queue queues the jobs of a routed entry, all or none, and lets go of dispatch's count.
func (p *Processor) queue(t *tracked) {
	t.pending.Add(int32(len(t.jobs)))
	if !p.lanes.pushAll(t.jobs) {
		// None of its jobs runs, so it must not be marked; released, the replay that the
		// full lane asks for once it drained dispatches it again.
		t.pending.Store(0)
		t.dropAll()
		p.release(t.id)
		select {
		case <-p.stop:
		default:
			p.stats.Spilled.Add(1)
		}
		return
	}
	t.jobs = nil
	t.done()
}

// enqueue adds a grain call to entry t, on key's lane. letter names the dead letter it is
// kept as if it fails too long while other calls succeed (lanes.runJob).
func (p *Processor) enqueue(t *tracked, key string, letter dlRef, run func(context.Context) error) {
	t.jobs = append(t.jobs, job{key: key, run: run, entry: t, giveUp: p.giveUp(key, letter)})
}

// dlRef is where a dead letter comes from: the inbox entry, the part of it (deadLetter's at)
// and the change it keeps (re-wrapped only when it is given up).
type dlRef struct {
	e     persistence.InboxEntry
	at    string
	entry graph.Entry
	c     graph.Change
}

// giveUp keeps a grain call that failed too long as a dead letter, logged and counted: one
// conversation or tenant whose writes keep failing must not hold its lane (and the entries
// of the keys sharing it) for ever. A replayed entry gives up under the same id.
func (p *Processor) giveUp(key string, l dlRef) func(context.Context, int, time.Duration, error) error {
	return func(ctx context.Context, attempts int, failingFor time.Duration, err error) error {
		p.stats.GivenUp.Add(1)
		reason := fmt.Sprintf("%s: gave up after %d attempts over %s while other calls succeeded: %v",
			key, attempts, failingFor.Round(time.Second), err)
		return p.deadLetter(ctx, l.e, l.at+"/gave-up/"+key, reason, change(l.entry, l.c))
	}
}

// markEvery is how long finished entries wait to be marked processed. Marks need not be
// prompt: an entry whose mark is lost in a crash is replayed and deduped. Writing them in
// one transaction every markEvery keeps the inbox file's transactions (and fsyncs) for
// acknowledging webhooks.
const markEvery = 200 * time.Millisecond

// markLoop marks finished entries processed, in batches.
func (p *Processor) markLoop() {
	defer p.wg.Done()
	tick := time.NewTicker(markEvery)
	defer tick.Stop()
	ids := make([]string, 0, 4096)
	flush := func() bool {
		for len(ids) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := p.store.Inbox().MarkProcessed(ctx, ids)
			cancel()
			if err == nil {
				p.release(ids...)
				ids = ids[:0]
				return true
			}
			// Unmarked entries are replayed after a restart; grains dedupe them.
			p.log.Warn("mark processed failed; retrying", "err", err)
			select {
			case <-p.stop:
				return false
			case <-time.After(time.Second):
			}
		}
		return true
	}
	for {
		select {
		case <-p.lanesDone:
			// Stopping, and nothing finishes any more: write what did, once. Marks that
			// still fail are lost; their entries replay (deduped) at the next start.
			for len(p.marks) > 0 {
				ids = append(ids, <-p.marks)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := p.store.Inbox().MarkProcessed(ctx, ids)
			cancel()
			if err != nil {
				p.log.Warn("marks not written at stop; their entries replay at the next start", "entries", len(ids), "err", err)
			}
			return
		case id := <-p.marks:
			ids = append(ids, id)
			if len(ids) >= cap(ids) && !flush() {
				return
			}
		case <-tick.C:
			if !flush() {
				return
			}
		}
	}
}

// maxLoggedReason bounds how much of a dead letter's reason its log line quotes.
const maxLoggedReason = 512

// deadLetter keeps what could not be routed, with the reason, and logs it: nothing else
// tells an operator why a number's messages never reached the inbox. at names the part of
// entry e it is about (the body, or a change by its position, and a conversation), so its id
// is the same each time e is dispatched — replayed after a crash before its mark, swept,
// routed again after a store error — and the store keeps it once (re-storing an id is a
// no-op).
func (p *Processor) deadLetter(ctx context.Context, e persistence.InboxEntry, at, reason string, payload []byte) error {
	p.stats.DeadLetters.Add(1)
	logged := reason
	if len(logged) > maxLoggedReason {
		logged = logged[:maxLoggedReason] + "…"
	}
	p.log.Warn("webhook event kept as a dead letter", "inbox_id", e.ID, "at", at, "reason", logged)
	err := p.store.Inbox().DeadLetter(ctx, []persistence.DeadLetter{{
		ID: e.ID + "/" + at, InboxID: e.ID, Reason: reason, Payload: payload, ReceivedAt: e.ReceivedAt,
	}})
	if err != nil {
		return fmt.Errorf("webhook: dead letter: %w", err)
	}
	return nil
}

// changeAt names change j of entry i of a webhook body, for dead letter ids.
func changeAt(i, j int) string { return "entry" + strconv.Itoa(i) + ".change" + strconv.Itoa(j) }

// route parses an entry and queues its grain calls.
func (p *Processor) route(ctx context.Context, e persistence.InboxEntry, t *tracked) error {
	if e.ReceivedAt.IsZero() {
		// The edge always stamps its entries; one stored without (by hand) is dated now, so
		// the times it states are still bounded (graph.Timestamp.At).
		e.ReceivedAt = time.Now().UTC()
	}
	w, err := graph.ParseWebhook(e.Body)
	if err != nil {
		return p.deadLetter(ctx, e, "body", "unparseable webhook: "+err.Error(), e.Body)
	}
	for i, entry := range w.Entry {
		for j, c := range entry.Changes {
			if err := p.routeChange(ctx, e, t, changeAt(i, j), entry, c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Processor) routeChange(ctx context.Context, e persistence.InboxEntry, t *tracked, at string, entry graph.Entry, c graph.Change) error {
	switch c.Field {
	case graph.FieldMessages, graph.FieldUserPreferences:
		return p.routeMessages(ctx, e, t, at, entry, c)
	}
	wabaID := entry.ID
	if c.Field == graph.FieldAccountUpdate {
		// Partner events may carry the partner's business id as entry.id; waba_info names
		// the customer's WABA the event is about (WHATSAPP.md §1.4). It wins, and a WABA no
		// tenant has is a dead letter rather than an event pinned on entry.id's tenant.
		if id := accountWABAID(c); id != "" {
			wabaID = id
		}
	}
	tenants, kind, key, err := p.tenantsOf(ctx, entry, c, wabaID, e.ReceivedAt)
	if err != nil {
		return err
	}
	if len(tenants) == 0 {
		return p.deadLetter(ctx, e, at, fmt.Sprintf("no tenant for %s %q (field %s)", kindName(kind), key, c.Field), change(entry, c))
	}
	ev, err := tenantEvent(p.log, wabaID, entry, c, e.ReceivedAt)
	if err != nil {
		return p.deadLetter(ctx, e, at, "malformed "+c.Field+" value: "+err.Error(), change(entry, c))
	}
	for _, tenant := range tenants {
		p.enqueue(t, "tenant/"+tenant.ID, dlRef{e, at, entry, c}, func(ctx context.Context) error {
			return p.client.RecordTenantEvents(ctx, tenant.ID, []actors.TenantEvent{ev})
		})
	}
	return nil
}

// tenantsOf is who a non-message change is for, and the key that found them (or that found
// no one, for the dead letter). A phone_number_quality_update is about one number: the
// tenant with that display number, and no one when no tenant has it (another number of the
// WABA, not connected here) — taken by the WABA's tenants, a THROUGHPUT_UPGRADE would pace
// each of their numbers at 1,000/s. Everything else — templates, account, capability — is
// about the WABA, which several tenants (one per number) may share: each gets its copy and
// applies it to its own state, active or not, so one reactivated later knows its account's
// ban or templates.
func (p *Processor) tenantsOf(ctx context.Context, entry graph.Entry, c graph.Change, wabaID string, arrived time.Time) ([]tenantRef, routeKey, string, error) {
	if c.Field == graph.FieldPhoneNumberQualityUpdate {
		var v graph.PhoneNumberQualityUpdate
		if err := c.DecodeValue(&v); err != nil || v.DisplayPhoneNumber == "" {
			return nil, byDisplayNumber, v.DisplayPhoneNumber, nil
		}
		tenant, ok, err := p.dir.ResolveDisplaySince(ctx, v.DisplayPhoneNumber, arrived)
		if err != nil || !ok {
			return nil, byDisplayNumber, v.DisplayPhoneNumber, err
		}
		return []tenantRef{tenant}, byDisplayNumber, v.DisplayPhoneNumber, nil
	}
	all, err := p.dir.ResolveWABASince(ctx, wabaID, arrived)
	return all, byWABAID, wabaID, err
}

func kindName(k routeKey) string {
	return [...]string{"phone_number_id", "WABA id", "display number"}[k]
}

// change re-wraps one change as a webhook body, for dead letters.
func change(e graph.Entry, c graph.Change) []byte {
	b, _ := json.Marshal(graph.Webhook{Object: graph.ObjectWhatsApp,
		Entry: []graph.Entry{{ID: e.ID, Time: e.Time, Changes: []graph.Change{c}}}})
	return b
}
