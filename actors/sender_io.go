package actors

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/internal/ctxsleep"
	"github.com/switchboard/switchboard/internal/departstamp"
	"github.com/switchboard/switchboard/persistence"
)

// The sender's IO. Each function here runs in its own goroutine with values copied from
// the grain, and reports back with a local message; none touches sender state.

// departure is what an attempt's goroutine needs once its row is claimed: the pacing slot
// and the number's departure gate (at most window sends in any DepartureWindow), the
// tenant's token, the Graph port, and where to report.
type departure struct {
	gate    *departures
	slot    time.Time
	window  int
	token   string
	used    persistence.SealedSecret // the sealed token token was opened from: whom a 190 blames
	graph   Graph
	tell    func(any)
	timeout time.Duration // for the claim and the send, on top of the wait for the slot
	after   *handover     // should the activation stop meanwhile (nil: never)
	late    *lateFailure  // Meta's failure of the attempt, told while it is on its way
}

func (s *sender) departure(it *outItem, nq *numberQueue, now time.Time) departure {
	return departure{gate: nq.gate, slot: it.slot, window: nq.pace.window(), token: s.token, used: s.dir.AccessToken, graph: s.d.Graph,
		tell: s.tell, timeout: s.pol.SendTimeout + max(0, it.slot.Sub(now)), after: s.handover(), late: &it.late}
}

// send waits for the slot at the gate, sends the claimed row and reports the attempt. The
// claim is durable before the request leaves: a crash from here on leaves the row in
// "sending", which the next activation reconciles instead of resending.
func (d departure) send(ctx context.Context, claim persistence.OutboxMessage) {
	left, err := d.gate.wait(ctx, d.slot, d.window)
	if err != nil {
		// The request never left: Meta saw nothing, so the attempt is not one of the message's
		// (Unreached), only a wait that ran out at the gate.
		d.tell(&attemptDone{id: claim.ID, claimed: claim, err: &SendFailure{Class: ClassRetryTransient, Title: "send deadline passed before its slot", Unreached: true}})
		return
	}
	if d.after.stopped() {
		d.after.release(claim) // its activation will never hear of the outcome
		return
	}
	// The departure rides with the request (departstamp.Header): a second above the rate at
	// Meta then tells a request delayed on its way from one that left unpaced.
	acc, err := d.graph.Send(departstamp.With(ctx, left), d.token, claim.PhoneNumberID, claim.Request)
	if d.after.stopped() {
		if err == nil {
			d.after.accepted(claim, acc, d.late)
		} else {
			d.after.wake(nil)
		}
	}
	d.tell(&attemptDone{id: claim.ID, claimed: claim, wamid: acc.WAMID, waID: acc.WaID, err: err, used: d.used})
}

// startAttempt claims the message (queued → sending, conditional: of two activations
// racing for it, one wins and the other lets go) and sends it. A claim whose outcome is
// unknown (the store's answer was lost: it may have landed) is written again as the same
// write, which transition recognises as its own if it did land; a new claim would find the
// row sending and take it for another activation's, and nothing would send the message.
func (s *sender) startAttempt(it *outItem, dep departure) {
	row, store, unsure := it.row, s.d.Store, it.unsureClaim
	s.d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dep.timeout)
		defer cancel()
		claim := row
		if unsure != nil {
			claim = *unsure
		} else {
			claim.State, claim.Attempts, claim.UpdatedAt = persistence.OutboxSending, row.Attempts+1, time.Now().UTC()
			claim.Claim = newClaimToken()
		}
		if err := transition(ctx, store.Outbox(), persistence.OutboxQueued, claim, false); err != nil {
			dep.tell(&attemptDone{id: row.ID, claimed: claim, claimErr: err})
			if dep.after.stopped() {
				dep.after.release(claim) // in case it landed: nobody would take it back
			}
			return
		}
		dep.send(ctx, claim)
	})
}

// settleJob is an outcome on its way to the outbox: the row to write over the stored
// state (the item's row), and what to tell the conversation.
type settleJob struct {
	row  persistence.OutboxMessage
	conv *OutboundResult
	head bool // the item is still the busy head of its lane (a retry)
}

// settle tells the conversation an outcome (conv may be nil), then writes it over the stored
// state (it.row.State → row.State). The conversation first: it answers once the outcome is
// durable in its record, so a crash between the two writes leaves the row in its old state
// (sending), which reconciliation settles from the conversation's wamid — whereas a row
// already settled would never restore a record the crash lost, and the message would vanish
// from its conversation. The outbox is written even when the conversation cannot be told:
// what Meta answered is true whatever the conversation managed to record.
func (s *sender) settle(it *outItem, row persistence.OutboxMessage, conv *OutboundResult) {
	// Only a retry keeps its lane: every other outcome freed the lane before settling.
	head := it.phase == phaseSending && row.State == persistence.OutboxQueued
	it.phase = phaseSettling
	delete(s.unknown, it.row.ID)
	row.Transient = it.transient // kept with the row, so a resend or a restart counts on
	if conv != nil {
		conv.Retracted = row.Retracted
		conv.restoring(row)
	}
	it.pending = &settleJob{row: row, conv: conv, head: head}
	s.runSettle(it)
}

// runSettle runs the item's pending settle job.
func (s *sender) runSettle(it *outItem) {
	job, from := *it.pending, it.row.State
	store, node, tell, timeout, d, late := s.d.Store, s.node, s.tell, s.pol.SendTimeout, s.d, &it.late
	it.pending.conv = nil // told once; a retried write does not tell again
	d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if job.conv != nil {
			if err := tellConversation(ctx, node, job.row, job.conv, d); err != nil && (job.conv.Status == StatusFailed || job.conv.Reinstated != "") {
				// Nothing else would ever tell it (Meta sends no status webhook for a message
				// it refused), and a failed row would not be settled again: the conversation
				// would say "queued" for good. Write nothing yet; the settle is tried again.
				// (A message sent again after Meta failed an attempt needs no such wait: the
				// new attempt's statuses start it over in the conversation, matchCallback. One
				// whose resend was withdrawn does: the conversation ignores the statuses of
				// the attempt it shows retracted.)
				tell(&settled{id: job.row.ID, from: from, row: job.row, head: job.head, err: fmt.Errorf("%w: %w", errUntold, err), untold: job.conv})
				return
			}
		}
		written, folded := job.row, (*OutboundEvidence)(nil)
		err := transitionTo(ctx, store.Outbox(), from, func() persistence.OutboxMessage {
			if folded == nil {
				written, folded = withLateFailure(job.row, late, d.Now())
			}
			return written
		}, true)
		var marked *OutboundEvidence
		if err == nil {
			marked = markLate(ctx, store.Outbox(), late, written, folded, d)
		}
		tell(&settled{id: job.row.ID, from: from, row: written, head: job.head, err: err, marked: marked})
	})
}

// errBusy: the stored row is still in the state the write expected, yet the write was
// refused — another writer holds it at that very version (on MongoDB, a fence; possibly
// left by a process that died mid-write, which expires). Try again later; nobody else
// decided the message.
var errBusy = errors.New("outbox row busy")

// transition moves a row from → row.State. A definite outcome (sent, failed) also replaces
// "unknown": if another activation parked the message meanwhile, what Meta answered settles
// it. A refused write whose row did not move is errBusy; patient writers retry it (and store
// trouble) until ctx ends.
func transition(ctx context.Context, ob persistence.Outbox, from persistence.OutboxState, row persistence.OutboxMessage, patient bool) error {
	return transitionTo(ctx, ob, from, func() persistence.OutboxMessage { return row }, patient)
}

// transitionTo is transition of the row next returns, asked again before each try: an
// outcome learns of Meta's failure of its attempt while its write is retried
// (sender_late_failure.go). An earlier try's sent that landed is then marked retryable.
func transitionTo(ctx context.Context, ob persistence.Outbox, from persistence.OutboxState, next func() persistence.OutboxMessage, patient bool) error {
	backoff := 50 * time.Millisecond
	for {
		row := next()
		err := ob.Transition(ctx, from, row)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, persistence.ErrVersionConflict):
			cur, gerr := ob.Get(ctx, row.ID)
			switch {
			case gerr != nil:
				// Refused, and we cannot tell by whom: store trouble, not a decision made
				// elsewhere (the caller tries again later instead of letting go).
				return fmt.Errorf("outbox row %s refused the write (%v), and reading it back failed: %w", row.ID, err, gerr)
			case cur.State == row.State && (row.State != persistence.OutboxSending || sameWrite(cur, row)):
				// Our own write landed (an earlier try reported an error), or, for an outcome,
				// another writer recorded the same one. A claim counts only if the stored
				// claim is ours: another activation's claim is its send, not ours.
				return nil
			case cur.State == persistence.OutboxUnknown && (row.State == persistence.OutboxSent || row.State == persistence.OutboxFailed || row.State == persistence.OutboxRetryable):
				from = persistence.OutboxUnknown
				continue
			case cur.State == persistence.OutboxSent && row.State == persistence.OutboxRetryable && cur.WAMID == row.WAMID && from != persistence.OutboxSent:
				from = persistence.OutboxSent // the outcome's earlier try landed sent
				continue
			case cur.State != from:
				return err // decided elsewhere
			}
			err = fmt.Errorf("%w: %w", errBusy, err)
			if !patient {
				return err
			}
		case errors.Is(err, persistence.ErrNotFound):
			return err
		}
		if serr := ctxsleep.Sleep(ctx, backoff); serr != nil {
			return err
		}
		backoff = min(2*backoff, time.Second)
	}
}

// sameWrite reports whether the stored row is the one row's write put there: same claim
// token, same attempt, same update time (to the millisecond MongoDB keeps). The token tells
// apart two activations' claims of one attempt in one millisecond (a stopped activation's
// late claim and the next activation's, sender_handover.go); rows claimed before tokens
// existed have none, and compare by attempt and time as they did.
func sameWrite(stored, row persistence.OutboxMessage) bool {
	return stored.Claim == row.Claim && stored.Attempts == row.Attempts && stored.UpdatedAt.Sub(row.UpdatedAt).Abs() < time.Millisecond
}

// newClaimToken draws a claim's token (persistence.OutboxMessage.Claim): 64 random bits,
// enough that two claims of one message never share one.
func newClaimToken() string { return strconv.FormatUint(rand.Uint64(), 36) }

// tellConversation hands an outcome to the message's conversation. Status webhooks carrying
// the message id repair a lost "sent"; a refusal by Meta brings none, so runSettle does not
// take a failure's tell as best effort.
func tellConversation(ctx context.Context, node *cluster.Node, row persistence.OutboxMessage, r *OutboundResult, d *Deps) error {
	identity, ok := conversationOf(row)
	if !ok || node == nil {
		return nil
	}
	if _, err := node.Call(ctx, KindConversation, identity, r); err != nil {
		d.Log.Warn("conversation not told of send outcome", "conversation", identity, "message", row.ID, "status", r.Status, "err", err)
		return fmt.Errorf("tell conversation %s: %w", identity, err)
	}
	return nil
}

// errUntold: a failure's outcome was not written because its conversation could not be
// told first (runSettle); the settle is tried again, telling it first.
var errUntold = errors.New("conversation not told of the failure")

// outboxLoaded carries queued rows read back from the outbox, and the count of pending
// rows (the backlog) begun when the sender had accepted countFrom sends; counted false
// when no count was taken or it failed.
type outboxLoaded struct {
	rows      []persistence.OutboxMessage
	full      bool
	err       error
	pending   int
	countFrom int
	counted   bool
}

// rescan reads queued rows the sender does not hold — rows left in the store while memory
// was full, or a Submit that never arrived — and returns when to do it next.
func (s *sender) rescan(now time.Time) time.Time {
	if s.scanning {
		return time.Time{}
	}
	refill := s.moreInStore && s.queuedInMemory() < s.pol.MemoryQueue/2
	if next := s.scannedAt.Add(s.pol.RescanEvery); !refill && now.Before(next) {
		return next
	}
	s.scanning, s.scannedAt = true, now
	ob, id, limit, tell := s.d.Store.Outbox(), s.tenantID, s.pol.MemoryQueue, s.tell
	bound, from := s.backlogLimit(), s.countStarted()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		rows, err := ob.ListByState(ctx, id, persistence.OutboxQueued, limit)
		loaded := &outboxLoaded{rows: rows, full: len(rows) == limit, err: err, countFrom: from}
		if bound > 0 {
			n, cerr := ob.CountPending(ctx, id, bound+1)
			loaded.pending, loaded.counted = n, cerr == nil
		}
		tell(loaded)
	}()
	return time.Time{}
}
