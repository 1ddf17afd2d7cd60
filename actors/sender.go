package actors

import (
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// sender is the tenant grain's outbound half: a queue and a pacer per sending number, the
// outbox state machine of every message it holds, and reconciliation of messages whose
// fate is unknown. It runs on the grain's goroutine; every store or network call runs in a
// goroutine of its own and comes back as a local message (sender_io.go), so a slow Meta or
// store never blocks the tenant's mailbox. OUTBOUND.md describes the whole pipeline.
type sender struct {
	d        *Deps
	pol      *OutboundPolicy
	tenantID string
	state    *TenantState // the grain's; pauses are kept there
	save     func() error // persists state
	tell     func(any)
	node     *cluster.Node
	// windowOpen reports whether the tenant's copy of a conversation's summary vouches for
	// an open customer window (QueueOutbound.NeedsWindow).
	windowOpen func(conversationID string) bool
	// contactOf is, from the same copy, the conversation's customer: whether they stopped
	// marketing messages, or Meta holds marketing to them back.
	contactOf func(conversationID string) Contact
	// changedNumber is, from the same copy, the number the customer changed to and the
	// conversation they continue in, while that change is in force (changed_number.go).
	changedNumber func(conversationID string) (to, continuedIn string)

	items   map[string]*outItem
	unknown map[string]*outItem // the items in phaseUnknown
	// canceling holds the ids of messages not held in memory whose cancel is being written,
	// with the conversation the cancel named: a rescan must not load them meanwhile
	// (sender_cancel.go).
	canceling map[string]string
	// cancelRepeats holds the callers of cancels repeated while the first one's write was in
	// flight: answered with its outcome (sender_cancel.go).
	cancelRepeats map[string][]cluster.Replier
	// resends holds the ids of messages Meta failed with its own trouble whose resend is
	// being decided, each with the failed attempt's wamid once Meta reports it delivered
	// meanwhile ("" until then: sender_withdraw.go); resendWaits the failures waiting to be
	// looked at again (sender_resend.go).
	resends     map[string]string
	resendWaits map[*OutboundEvidence]bool
	// listingRetryable: a live listing of the retryable rows runs (sender_redecide.go).
	listingRetryable bool
	// marketingHeld: conversations whose customer Meta held marketing back from (131049),
	// until when, met by this sender (sender_heads.go).
	marketingHeld map[string]time.Time
	// marketingStopped: conversations whose customer Meta answered 131050 for (stopped
	// marketing), when, met by this sender until the tenant's copy shows it (sender_heads.go).
	marketingStopped map[string]time.Time
	// accountHeld is until when Meta's WABA or app rate limit (80007, 4) holds every number
	// of the tenant (pacer_account.go).
	accountHeld time.Time
	numbers     map[string]*numberQueue
	gates       gateHandover // gate_handover.go
	inflight    int

	dir persistence.Tenant
	// ownLine is the line key of dir's display number (ownNumber), derived once per entry
	// rather than on every send.
	ownLine  string
	dirFound bool
	dirAt    time.Time
	dirBusy  bool
	token    string
	sealed   string // the sealed token token was opened from
	// deadToken is the sealed token Meta rejected (190): only a different one clears it,
	// whatever a stale directory read says.
	deadToken string
	// reauthDone is the sealed token whose rejection the directory recorded (reauthRecorded).
	reauthDone string

	// The standing last published as tenant.updated (tenant_updated.go): standingDirty asks
	// for a look after something that may have changed it, standingNext is when it changes
	// by time alone.
	standing      standing
	standingKnown bool
	standingDirty bool
	standingEarly bool
	standingNext  time.Time

	prepares  []pendingPrepare // waiting for a fresh directory entry
	wakeAt    time.Time
	timer     *time.Timer
	scannedAt time.Time
	// expiryScanAt is when expireWhileBlocked looks at the held messages again.
	expiryScanAt time.Time
	moreInStore  bool
	scanning     bool
	stopped      bool
	// halted is stopped for the goroutines of attempts in flight (sender_handover.go).
	halted    atomic.Bool
	ho        *handover       // sender_handover.go
	bl        backlog         // sender_backlog.go
	initiated initiatedLedger // messaging_limit.go
	// initiatedBy is the admission time of each template this activation counted against
	// the messaging limit, until its outcome (initiatedEnded).
	initiatedBy map[string]time.Time
}

// numberQueue is one sending number's lanes and pacer.
type numberQueue struct {
	q    *sendQueue
	pace *pacer
	gate *departures
}

type itemPhase int

const (
	phaseQueued    itemPhase = iota // in its lane
	phaseSending                    // claimed in the outbox and on its way to Meta
	phaseSettling                   // its outcome is being written
	phaseUnknown                    // may have reached Meta: waiting for evidence
	phaseCanceling                  // out of its lane while its cancel is written
)

// outItem is one message the sender holds.
type outItem struct {
	row         persistence.OutboxMessage
	phase       itemPhase
	notBefore   time.Time
	slot        time.Time // pacing slot of the current attempt
	bookedAt    time.Time // when that slot was booked
	transient   int       // transient failures so far
	unreached   int       // attempts that never left (Meta unreachable)
	reconcileBy time.Time // phaseUnknown: when to stop waiting for evidence
	checking    bool      // phaseUnknown: an evidence check is running
	pending     *settleJob
	// reached is the wamid of a status Meta reported for the message while it was being
	// sent: whatever the attempt's answer, the message reached Meta.
	reached string
	// draining: an attempt of this item counts in Deps.Drain until its outcome is written.
	draining bool
	// failedMeanwhile: Meta failed the attempt with its own trouble before its outcome was
	// durable; the failure, deferred (resendLater), is written to the row by the outcome's
	// own write (late) and decided as soon as the outcome lands (resendBehindOutcome), not at
	// its next look: a stop in between would lose it.
	failedMeanwhile bool
	late            lateFailure
	// unsureClaim is a claim whose write failed without a decision (it may have landed): the
	// next attempt writes it again unchanged (startAttempt).
	unsureClaim *persistence.OutboxMessage
	// tpl and isTpl are the template the request names, read once (template): a lane hands
	// its head over again at every wake while it is held, and each hand-over checks it.
	tpl              TemplateRef
	isTpl, tplParsed bool
}

// template is the template the item's request names, if it is one; the request is decoded
// the first time only (a message's request never changes).
func (it *outItem) template() (TemplateRef, bool) {
	if !it.tplParsed {
		it.tpl, it.isTpl = templateOf(it.row.Request)
		it.tplParsed = true
	}
	return it.tpl, it.isTpl
}

func newSender(d *Deps, tenantID string, state *TenantState, save func() error) *sender {
	return &sender{
		d: d, pol: &d.Outbound, tenantID: tenantID, state: state, save: save,
		items: map[string]*outItem{}, unknown: map[string]*outItem{}, numbers: map[string]*numberQueue{},
		canceling: map[string]string{}, cancelRepeats: map[string][]cluster.Replier{},
	}
}

// enabled reports whether this node sends at all (a node without a Graph client only
// queues: tests of other parts, ingest-only tools).
func (s *sender) enabled() bool { return s.d.Graph != nil }

// idle reports whether passivating the grain would abandon nothing.
func (s *sender) idle() bool {
	return len(s.items) == 0 && len(s.canceling) == 0 && len(s.resends) == 0 && len(s.resendWaits) == 0 && !s.moreInStore
}

func (s *sender) number(phoneNumberID string) *numberQueue {
	nq, ok := s.numbers[phoneNumberID]
	if !ok {
		nq = &numberQueue{q: newSendQueue(s.pol.PairInterval, s.pol.PairBurst), pace: newPacer(s.rate()), gate: newDepartures(s.d.gateClock)}
		nq.pace.hold(s.accountHeld)   // a WABA or app limit met from another number (pacer_account.go)
		s.seedGate(phoneNumberID, nq) // the previous activation's departures still count
		s.numbers[phoneNumberID] = nq
	}
	return nq
}

// queuedInMemory counts messages waiting in lanes.
func (s *sender) queuedInMemory() int {
	n := 0
	for _, nq := range s.numbers {
		n += nq.q.queued
	}
	return n
}

// track starts holding a queued outbox row, unless it is held already or memory is full.
func (s *sender) track(row persistence.OutboxMessage, now time.Time) {
	_, canceling := s.canceling[row.ID]
	if _, held := s.items[row.ID]; held || canceling {
		return
	}
	if s.queuedInMemory() >= s.pol.MemoryQueue {
		s.moreInStore = true // read again from the outbox as the queue drains
		return
	}
	// Meta's own trouble so far, answering a send or failing one it accepted, from the row:
	// OUTBOUND_MAX_ATTEMPTS bounds them together, across activations (sender_resend.go).
	it := &outItem{row: row, notBefore: row.NextAttemptAt, transient: row.Transient}
	s.items[row.ID] = it
	s.expiryScanAt = time.Time{} // a new validity to watch should sends be blocked
	s.number(row.PhoneNumberID).q.push(it, now)
}

// submit takes a message the REST edge just queued.
func (s *sender) submit(row persistence.OutboxMessage) {
	if !s.enabled() || row.TenantID != s.tenantID || row.State != persistence.OutboxQueued {
		return
	}
	s.track(row, s.d.Now())
	s.pump()
}

// blocked reports whether the tenant may not send now, and until when to look again.
func (s *sender) blocked(now time.Time) (time.Time, bool) {
	recheck := now.Add(s.pol.DirectoryRefresh)
	switch {
	case !s.dirFound || !s.dir.Active || s.token == "" || s.needsReauth() || s.state.banned(now):
		return recheck, true
	case s.state.SendsPausedUntil.After(now):
		return s.state.SendsPausedUntil, true
	}
	return time.Time{}, false
}

// pump sends whatever may go now and arms the timer for the next thing to do.
func (s *sender) pump() {
	if s.stopped || !s.enabled() {
		return
	}
	now := s.d.Now()
	s.refreshDirectory(now, false)
	s.noteStanding(now)
	var wake time.Time
	if until, blocked := s.blocked(now); blocked {
		if len(s.items) > 0 {
			wake = earliest(until, s.expireWhileBlocked(now))
		}
	} else {
		for _, nq := range s.numbers {
			wake = earliest(wake, s.dispatch(nq, now))
			nq.q.sweep(now)
		}
	}
	wake = earliest(wake, s.reconcile(now))
	wake = earliest(wake, s.rescan(now))
	if s.standingNext.After(now) {
		// A pause, restriction or scheduled ban ends by time alone: tenant.updated says so
		// then, also for a tenant with nothing queued, which nothing else would wake.
		wake = earliest(wake, s.standingNext)
	}
	s.arm(wake, now)
}

// dispatch starts the sends of one number whose slots come within the lead, and returns
// when to look again (zero: when a result comes back).
func (s *sender) dispatch(nq *numberQueue, now time.Time) time.Time {
	if !s.gates.marked {
		// The mark's save (once per activation, gate_handover.go) after the whole batch has
		// gone to its attempts, which it would otherwise keep waiting for a store round trip.
		defer s.markSending(now)
	}
	for s.inflight < s.pol.MaxInFlight {
		if slot := nq.pace.slot(now); slot.After(now.Add(s.pol.Lead)) {
			return slot.Add(-s.pol.Lead)
		}
		// The hold comes before the item: once the node is stopping nothing is taken
		// from its lane, and an item taken is always booked.
		if !s.d.Drain.begin() {
			return time.Time{}
		}
		it := nq.q.next(now)
		if it == nil {
			s.d.Drain.end()
			at, ok := nq.q.wake()
			if !ok {
				return time.Time{}
			}
			return at
		}
		if s.expired(it, now) {
			s.d.Drain.end()
			s.expire(it, nq, now)
			continue
		}
		if fail := s.headRefused(it, now); fail != nil {
			s.d.Drain.end()
			nq.q.withdraw(it, now)
			s.failUnsent(it, fail, now)
			continue
		}
		if r, held := s.restrictionHolding(it, now); held {
			// Looked at again when the restriction ends, and every DirectoryRefresh meanwhile
			// (a reinstatement, or an earlier end, lets it go then).
			s.d.Drain.end()
			it.notBefore = earliest(r.Until, now.Add(s.pol.DirectoryRefresh))
			nq.q.holdBack(it, now)
			continue
		}
		s.book(it, nq, now)
		s.startAttempt(it, s.departure(it, nq, now))
		s.gates.sent = true
	}
	return time.Time{}
}

// book gives an item taken from its lane the number's next pacing slot and counts its
// attempt in flight. The caller holds Deps.Drain for it (begin), which the item keeps
// until its outcome is written (settledOutcome).
func (s *sender) book(it *outItem, nq *numberQueue, now time.Time) {
	it.phase, it.slot, it.bookedAt, it.draining = phaseSending, nq.pace.reserve(now), now, true
	s.inflight++
}

// arm sets the wake-up timer to at unless an earlier one is set.
func (s *sender) arm(at, now time.Time) {
	if at.IsZero() || (s.wakeAt.After(now) && !at.Before(s.wakeAt)) {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.wakeAt = at
	tell := s.tell
	s.timer = time.AfterFunc(max(0, at.Sub(now)), func() { tell(&senderWake{}) })
}

func (s *sender) stop() {
	s.stopped = true
	s.halted.Store(true) // attempts in flight hand their messages over (sender_handover.go)
	for _, it := range s.items {
		s.attemptOver(it) // this activation will write nothing more
	}
	// Resend decisions still in the store hold the drain too; their results will not come
	// back to a stopped activation (a stopping grain drops its own messages), so nothing else
	// would release them and the node's graceful stop would wait out its deadline.
	for id := range s.resends {
		delete(s.resends, id)
		s.d.Drain.end()
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	for _, w := range s.prepares {
		w.r.Fail(cluster.FailureStopping, "tenant "+s.tenantID+" is stopping") // callers retry
	}
	s.prepares = nil
	for id, repeats := range s.cancelRepeats {
		for _, r := range repeats {
			// The write's outcome may not come back: the next activation reads it from the row.
			r.Fail(cluster.FailureStopping, "tenant "+s.tenantID+" is stopping")
		}
		delete(s.cancelRepeats, id)
	}
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// attemptOver ends the item's attempt for Deps.Drain.
func (s *sender) attemptOver(it *outItem) {
	if it.draining {
		it.draining = false
		s.d.Drain.end()
	}
}

// senderWake is the timer's local message.
type senderWake struct{}
