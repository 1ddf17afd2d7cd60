package actors

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// Meta may accept a send (200, a wamid) and fail it afterwards in a status webhook. When the
// failure is Meta's own trouble — 131000 "something went wrong", 131016 service unavailable
// (StatusUpdate.Retryable) — WHATSAPP.md §2.3 retries it as it does the same code answering a
// send: the sender sends the message again, a new request with a new wamid. Before it decides,
// the failure is written to the outbox row (sent → retryable, with Meta's error): a decision
// a stop, a crash or the tenant moving cuts short is taken again by the next activation
// (redecide), which the outbox keeper wakes as for any pending row, or, for a row marked
// behind a live activation's back, by that activation at the keeper's next wake
// (sender_redecide.go). The decision's own write
// is conditional on that state: retryable → queued (sent again) or → sent (Meta delivered it
// as well, attempts or validity used up), never both. The row moves → queued before the
// message goes again, keeping the failed attempt's wamid in Retracted; every result
// the sender hands the conversation afterwards carries that list, and a conversation still
// showing a retracted wamid starts the message over (conversation_resend.go), so whichever
// write a crash interrupts, the next result repairs the record. Statuses of a retracted
// wamid are ignored from then on, but a delivery: the customer has the message after all,
// and the resend must not leave (sender_withdraw.go). A message is sent at most OutboundPolicy.
// MaxTransientAttempts times in all this way, and never after its validity: then it stays
// failed with Meta's error.

// resendCheck asks the sender to look at a retryable failure again, once the message is no
// longer held (its outcome was still being written), after a store error, or after the
// conversation did not answer the decision's question; tries counts the looks deferred so far.
type resendCheck struct {
	ev    *OutboundEvidence
	tries int
}

// resendDecided reports the store's side of a resend: the row queued again (row), or why not.
// unanswered: the conversation did not say whether Meta delivered the attempt, and nothing
// was written.
type resendDecided struct {
	ev         *OutboundEvidence
	row        persistence.OutboxMessage
	ok         bool
	err        error
	unanswered bool
	// untold: not sent again, but the conversation did not take that its failure is final;
	// the row stays retryable and the decision is taken again.
	untold bool
	tries  int
}

func (*resendCheck) NotInfluenceReceiveTimeout()   {}
func (*resendDecided) NotInfluenceReceiveTimeout() {}

// resendFailed handles evidence of a retryable asynchronous failure. The pending set keeps
// the grain from passivating meanwhile (a row queued again by a passivated tenant would wait
// for its next activation), and one decision per message runs at a time: two, for Meta's
// duplicate of the failed webhook, could both read the row sent and, the first having sent
// the message again and Meta accepted it, the second would queue that attempt too. A
// decision holds Deps.Drain, so a graceful stop waits for it; one deferred at the stop (a
// store error, a conversation that did not answer) is dropped from memory, and its row,
// marked retryable before the question, is decided again by the next activation (one whose
// mark was not written yet still reads sent: nothing is sent blind either way). A failure
// deferred because the attempt's outcome was still being written has no mark yet: a stop
// in that moment is taken as soon as the outcome lands, under the attempt's own hold of the
// drain (resendBehindOutcome), so it is marked before a graceful stop ends. tries counts the
// looks at ev deferred so far.
func (s *sender) resendFailed(ev *OutboundEvidence, tries int) {
	s.decideResend(ev, tries, false)
}

// decideResend is resendFailed; drained: the caller hands over a hold of Deps.Drain it took,
// which the decision keeps (or releases when there is nothing to decide).
func (s *sender) decideResend(ev *OutboundEvidence, tries int, drained bool) {
	release := func() {
		if drained {
			s.d.Drain.end()
		}
	}
	if ev.MessageID == "" || !s.enabled() || s.stopped {
		release()
		return
	}
	if s.resends == nil {
		s.resends = map[string]string{}
	}
	_, deciding := s.resends[ev.MessageID]
	if it, held := s.items[ev.MessageID]; held || deciding {
		// The failure came while the accepted attempt's outcome is still being written (or
		// another decision for the message runs): look again once that is over — at once
		// when the outcome lands (resendBehindOutcome), else after resendBackoff.
		if held && (it.phase == phaseSending || it.phase == phaseSettling) {
			it.failedMeanwhile = true
			it.late.offer(ev)
		}
		s.resendLater(ev, tries)
		release()
		return
	}
	if !drained && !s.d.Drain.begin() {
		return // the node is stopping
	}
	s.resends[ev.MessageID] = ""

	ob, d, tenantID, now, node := s.d.Store.Outbox(), s.d, s.tenantID, s.d.Now(), s.node
	tell, limit, sendBy := s.tell, s.pol.MaxTransientAttempts, s.sendBy
	d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		row, err := ob.Get(ctx, ev.MessageID)
		if err != nil {
			tell(&resendDecided{ev: ev, err: err, tries: tries})
			return
		}
		again, ok, why := resendOf(row, ev, tenantID, limit, sendBy(row), now)
		// deliveredToo: not sent again because Meta delivered the failed attempt as well; the
		// message shows delivered, so no failure of it is to be marked final.
		deliveredToo := false
		if ok && ev.Delivered {
			// The conversation said so already (notSentAgain): nothing to ask, nor to mark.
			again, ok, why, deliveredToo = settledOn(row, ev.WAMID, now), false, "Meta reported it delivered as well", true
		}
		if ok && row.State != persistence.OutboxRetryable && rewritten(again, row) {
			// The failure is written before the question, which may go unanswered for long:
			// a stop or a crash meanwhile leaves the row retryable, and the next activation
			// decides again (redecide). Not patient, as the decision's own write below. Not
			// a row an earlier decision already queued again for this failure: that one is
			// pending as it is.
			marked := retryableOn(row, ev, now)
			if err := transition(ctx, ob, row.State, marked, false); err != nil {
				tell(&resendDecided{ev: ev, err: err, tries: tries})
				return
			}
			row = marked
		}
		if ok {
			delivered, err := conversationShowsDelivered(ctx, node, row, ev.WAMID)
			if err != nil {
				// No answer is not "not delivered": the row stays retryable, and the
				// decision is taken again later (resendDone), or by the next activation.
				tell(&resendDecided{ev: ev, err: err, unanswered: true, tries: tries})
				return
			}
			if delivered {
				again, ok, why, deliveredToo = settledOn(row, ev.WAMID, now), false, "Meta reported it delivered as well", true
			}
		}
		if !ok && why != "" {
			d.Log.Info("Meta failed a message it had accepted; not sending it again", "tenant", tenantID,
				"message", ev.MessageID, "wamid", ev.WAMID, "code", ev.Retry.Code, "why", why)
		}
		if !ok && why != "" && !deliveredToo {
			// Given up on: the failure the conversation shows is final, and it is told so
			// before the row settles. Until it has taken that, the row stays retryable (marked
			// here if it was not), so a tell that fails — or a stop or a crash before it
			// lands — leaves the decision to be taken again (resendLater, redecide), where a
			// tell after the settle, once lost, left the failure saying retryable for good.
			if row.State != persistence.OutboxRetryable {
				marked := retryableOn(row, ev, now)
				if err := transition(ctx, ob, row.State, marked, false); err != nil {
					tell(&resendDecided{ev: ev, err: err, tries: tries})
					return
				}
				row, again = marked, settledOn(marked, ev.WAMID, now)
			}
			final := &OutboundResult{MessageID: ev.MessageID, Final: ev.WAMID, Retracted: again.Retracted}
			if err := tellConversation(ctx, node, again, final, d); err != nil && !isNotFound(err) {
				tell(&resendDecided{ev: ev, err: err, untold: true, tries: tries})
				return
			}
		}
		if rewritten(again, row) {
			// Not patient: a busy row is read again by the next decision, which sees
			// whatever moved it meanwhile.
			err = transition(ctx, ob, row.State, again, false)
		}
		if deliveredToo && err == nil {
			// The message shows delivered; its earlier failure stops saying retryable. Best
			// effort: a tell lost leaves that flag beside a delivery, which outranks it.
			_ = tellConversation(ctx, node, again, &OutboundResult{MessageID: ev.MessageID, Final: ev.WAMID, Retracted: again.Retracted}, d)
		}
		tell(&resendDecided{ev: ev, row: again, ok: ok && err == nil, err: err, tries: tries})
	})
}

// conversationShowsDelivered reports whether the message's conversation shows the failed attempt
// wamid delivered (or read, or played) as well: Meta may report both, in either order, when
// the customer has several devices and one got it (statusRank), and then the customer has
// the message and a resend would be a duplicate. It is the decision's one look before it
// queues the message again, and it covers every delivery that came before: in the failure's
// own webhook or flush, while the decision waited (a held outcome, a busy or failing
// outbox), and across a restart of the tenant or the conversation — the conversation
// applies statuses by rank and keeps them, where the sender's memory of a delivery would
// be lost with its activation. A delivery after this look withdraws the resend
// (sender_withdraw.go). Asked only when the message would go again. A conversation that
// does not answer (busy, passivating, its store down, its member unreachable) proves
// nothing either way: the error says so, and the decision waits and asks again
// (resendDone), because the delivery it may hold can have reached the sender before the
// failure did, and then no withdrawal would follow a resend. No conversation for the row,
// or none in the cluster (not found), holds no delivery: that is an answer. The question
// has a bound of its own, deliveredAskTimeout, within the decision's storeTimeout.
func conversationShowsDelivered(ctx context.Context, node *cluster.Node, row persistence.OutboxMessage, wamid string) (bool, error) {
	identity, ok := conversationOf(row)
	if !ok || node == nil {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, deliveredAskTimeout)
	defer cancel()
	v, err := node.Call(ctx, KindConversation, identity, &GetOutbound{MessageID: row.ID})
	switch {
	case isNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("ask conversation %s whether Meta delivered %s: %w", identity, wamid, err)
	}
	view, isView := v.(*OutboundView)
	if !isView {
		return false, fmt.Errorf("ask conversation %s whether Meta delivered %s: answered %T", identity, wamid, v)
	}
	return view.WAMID == wamid && delivery(view.Status), nil
}

// deliveredAskTimeout bounds conversationShowsDelivered's question, within the decision's storeTimeout.
const deliveredAskTimeout = storeTimeout / 5

// retryableOn is row marked with Meta's failure of attempt ev.WAMID, whose resend is being
// decided: retryable, with the failure's error, which is what an activation decides from
// again (redecide).
func retryableOn(row persistence.OutboxMessage, ev *OutboundEvidence, now time.Time) persistence.OutboxMessage {
	row.State, row.WAMID, row.UpdatedAt = persistence.OutboxRetryable, ev.WAMID, now
	keepError(&row, ev.Retry)
	return row
}

// rewritten reports whether the decision changed the row: queued it again, or settled what
// reached Meta. Not when an earlier decision's write already landed (resendOf returns the
// stored row), or when there was nothing to do.
func rewritten(again, row persistence.OutboxMessage) bool {
	return again.State != row.State || !slices.Equal(again.Retracted, row.Retracted)
}

// resendLater looks at ev again after resendBackoff(tries); the grain does not passivate
// meanwhile.
func (s *sender) resendLater(ev *OutboundEvidence, tries int) {
	if s.resendWaits == nil {
		s.resendWaits = map[*OutboundEvidence]bool{}
	}
	s.resendWaits[ev] = true
	tell := s.tell
	time.AfterFunc(resendBackoff(s.pol.BusyRetry, tries), func() { tell(&resendCheck{ev: ev, tries: tries + 1}) })
}

// resendAskCap bounds the wait between deferred looks at one failure: a conversation back
// after a long silence is asked again within a minute.
const resendAskCap = time.Minute

// resendBackoff is the wait before a deferred look at a failure, after tries earlier ones:
// busyRetry doubling up to resendAskCap, so a conversation that does not answer for hours
// is asked about once a minute, not every two seconds.
func resendBackoff(busyRetry time.Duration, tries int) time.Duration {
	return min(busyRetry<<min(tries, 16), resendAskCap) // 16: past the cap from any busyRetry ≥ 1 ms
}

// resendBehindOutcome decides at once the failures deferred while the outcome of message id
// was being written, now that it landed and the sender let go of the message: the failure is
// marked on the row (retryable) before anything else can stop the activation, where waiting
// for the next look (resendBackoff) left it in memory only, and a stop or a crash meanwhile
// left the row sent with nobody to send it again. drained: the attempt's hold of Deps.Drain,
// handed to the first decision, so a graceful stop waits for the mark as it waited for the
// outcome. marked: the failure the outcome's writer marked on the row (sender_late_failure.go);
// should a delivery have ended its wait meanwhile, a decision that knows of the delivery
// settles the row sent again.
func (s *sender) resendBehindOutcome(id string, drained bool, marked *OutboundEvidence) {
	for ev := range s.resendWaits {
		if ev.MessageID != id {
			continue
		}
		delete(s.resendWaits, ev) // its pending resendCheck finds nothing to do
		s.decideResend(ev, 0, drained)
		drained, marked = false, nil
	}
	switch {
	case marked != nil:
		known := *marked
		known.Delivered = true
		s.decideResend(&known, 0, drained)
	case drained:
		s.d.Drain.end() // a delivery ended the wait meanwhile (deliveredAfterAll)
	}
}

// resendChecked is a deferred look at ev coming due.
func (s *sender) resendChecked(c *resendCheck) {
	if !s.resendWaits[c.ev] {
		return // Meta delivered the attempt meanwhile (deliveredAfterAll), or another activation's
	}
	delete(s.resendWaits, c.ev)
	s.resendFailed(c.ev, c.tries)
}

// resendOf is the row queued again for another attempt after Meta failed ev.WAMID, or false
// with the reason it is not sent again ("" when there is nothing to say: another attempt's
// status, or one handled already). A row already queued again for ev is returned as it is
// (an earlier try's write landed).
//
// The row is normally sent with that wamid. It may also be one this activation does not
// hold: of unknown fate (the failed status is the evidence it reached Meta) or queued (to
// go again after reconciliation, or beyond the memory queue). A message not sent again
// from unknown or queued is settled sent with the wamid, as any evidence settles it (the
// returned row differs from the stored one), so it does not go again past its bound; a
// canceled one stays canceled: Meta failed it, so the customer does not have it.
func resendOf(row persistence.OutboxMessage, ev *OutboundEvidence, tenantID string, limit int, sendBy, now time.Time) (persistence.OutboxMessage, bool, string) {
	reached := row.State == persistence.OutboxUnknown ||
		(row.State == persistence.OutboxQueued && row.WAMID == "") ||
		((row.State == persistence.OutboxSent || row.State == persistence.OutboxRetryable) && row.WAMID == ev.WAMID)
	switch {
	case row.TenantID != tenantID:
		return row, false, ""
	case slices.Contains(row.Retracted, ev.WAMID):
		return row, row.State == persistence.OutboxQueued, "" // handled already
	case !reached:
		return row, false, "" // not the attempt Meta failed, or the message moved on
	case row.Transient+1 >= limit:
		return settledOn(row, ev.WAMID, now), false, "attempts used up"
	case !sendBy.IsZero() && !now.Before(sendBy):
		return settledOn(row, ev.WAMID, now), false, "past its validity"
	}
	again := row
	again.State, again.WAMID, again.UpdatedAt = persistence.OutboxQueued, "", now
	again.Retracted = append(slices.Clip(row.Retracted), ev.WAMID)
	again.Transient = row.Transient + 1
	keepError(&again, ev.Retry)
	again.NextAttemptAt = now.Add(resendWait(row.Transient))
	if ev.Retry != nil && ev.Retry.Code == metaPairRateLimit {
		// The pair's limit: the recipient's lane waits the pair's 4^X backoff, as for the
		// same code answering a send, not the transient schedule; X is at least the
		// message's earlier failures (resendDone, which may lengthen it from the lane's own
		// strikes). Stored, so GET and a restart see the wait.
		again.NextAttemptAt = now.Add(pow4Seconds(row.Transient))
	}
	return again, true, ""
}

// settledOn is what the outbox keeps of a message Meta accepted as wamid and is not sent
// again: a row of unknown fate, one queued to go again, or one marked retryable for the
// decision becomes sent (what Meta answered the attempt; its failure is the
// conversation's), as any evidence settles it; others stay.
// A row an earlier decision queued again for this very failure (its answer lost, not held
// by this activation) no longer retracts wamid: Meta delivered that attempt after all.
func settledOn(row persistence.OutboxMessage, wamid string, now time.Time) persistence.OutboxMessage {
	if row.State == persistence.OutboxUnknown || row.State == persistence.OutboxQueued || row.State == persistence.OutboxRetryable {
		row.State, row.WAMID, row.UpdatedAt = persistence.OutboxSent, wamid, now
		row.Retracted = reinstated(row.Retracted, wamid)
	}
	return row
}

// resendWait is the wait before the n-th resend (0 for the first): 1 s · 2^n up to 5 min, the
// transient retries' schedule, with equal jitter so many messages failed by one Meta incident
// do not come back in lockstep.
func resendWait(n int) time.Duration {
	d := (&SendFailure{}).wait(n, transientBase, transientCap)
	return d/2 + rand.N(d/2+1)
}

// resendDone continues once the store decided: the row queued again joins its lane and the
// conversation is told to start the message over; a store error is tried again.
func (s *sender) resendDone(r *resendDecided) {
	delivered, deciding := s.resends[r.ev.MessageID]
	if deciding {
		delete(s.resends, r.ev.MessageID)
		s.d.Drain.end() // every decision held it (resendFailed), until now or stop
	}
	switch {
	case errors.Is(r.err, persistence.ErrNotFound):
		// Pruned, or not ours at all (another app on the number set the same callback data).
		s.d.Log.Info("Meta failed a message the outbox does not hold; nothing to send again", "tenant", s.tenantID, "message", r.ev.MessageID)
	case r.err != nil && delivered == r.ev.WAMID:
		// Meta delivered the failed attempt while the decision failed: the conversation
		// said so once, and a later look would rest on asking it again.
		s.notSentAgain(r.ev)
	case r.unanswered:
		// The conversation could not say whether Meta delivered the attempt: the row stays
		// retryable, nothing goes, and the decision is taken again until the conversation
		// answers or the message's validity ends (then resendOf settles it failed without
		// asking). A delivery it reports meanwhile ends the wait (deliveredAfterAll).
		s.d.Log.Warn("message failed by Meta not sent again yet: its conversation did not say whether Meta delivered it; asking again",
			"tenant", s.tenantID, "message", r.ev.MessageID, "asked", r.tries+1, "err", r.err)
		s.resendLater(r.ev, r.tries)
	case r.untold:
		s.d.Log.Warn("message failed by Meta, not sent again: its conversation did not take that the failure is final; telling it again",
			"tenant", s.tenantID, "message", r.ev.MessageID, "asked", r.tries+1, "err", r.err)
		s.resendLater(r.ev, r.tries)
	case r.err != nil:
		// A store error, or the row moved between the decision's read and write (another
		// writer settled it on evidence meanwhile): decide again from what it is now (a
		// delivery that came meanwhile is the conversation's answer then).
		s.d.Log.Warn("message failed by Meta not queued again yet; deciding again shortly", "tenant", s.tenantID, "message", r.ev.MessageID, "err", r.err)
		s.resendLater(r.ev, r.tries)
	case r.ok:
		s.d.Log.Info("Meta failed a message it had accepted; sending it again", "tenant", s.tenantID,
			"message", r.row.ID, "wamid", r.ev.WAMID, "code", r.ev.Retry.Code, "failures", r.row.Transient, "at", r.row.NextAttemptAt)
		now := s.d.Now()
		if r.ev.Retry != nil && r.ev.Retry.Code == metaPairRateLimit {
			// 131056 in a failed status: too many messages to this customer. Their lane waits
			// 4^X seconds, as when a send is answered so (sender_outcome.go); other customers'
			// lanes go on. X counts the pair's refusals in a row, and at least this message's
			// failures before this one: Meta accepted the attempt it failed, which ended the
			// bucket's run of refusals. The row holds 4^failures already (resendOf); the
			// lane's strikes, in memory as on the send path, may only lengthen it.
			failures := r.row.Transient - 1
			wait := s.number(r.row.PhoneNumberID).q.pairOf(r.row.Recipient).refused(now,
				func(strikes int) time.Duration { return pow4Seconds(max(strikes, failures)) })
			r.row.NextAttemptAt = later(r.row.NextAttemptAt, now.Add(wait))
		}
		if r.ev.Retry != nil && r.ev.Retry.Code == metaThroughput {
			// 130429 in a failed status: the number sent faster than Meta takes, as when a
			// send is answered so; the number slows (WHATSAPP.md §2.3) the same way
			// (sender_outcome.go). The failed attempt's booking is not known here: taken as a
			// second ago, so the failures of one burst arriving together trim the rate once.
			s.number(r.row.PhoneNumberID).pace.throttled(now, now.Add(-time.Second),
				func(n int) time.Duration { return (&SendFailure{}).wait(n, time.Second, 30*time.Second) })
		}
		s.track(r.row, now)
		if !s.withdrawnAfterDecision(r.row, delivered) {
			s.tellRestart(r.row)
		}
	}
}

// tellRestart tells the conversation the message is queued again. Best effort: every later
// result carries the retracted wamids too.
func (s *sender) tellRestart(row persistence.OutboxMessage) {
	node, d := s.node, s.d
	res := (&OutboundResult{MessageID: row.ID, Status: StatusQueued, At: row.UpdatedAt, Retracted: row.Retracted}).restoring(row)
	d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		_ = tellConversation(ctx, node, row, res, d) // logged there
	})
}
