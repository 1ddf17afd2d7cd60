package actors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/persistence"
)

// Recovery and reconciliation: what the sender does with messages of unknown fate. The
// policy, and why, is in OUTBOUND.md ("Never twice, never lost").

// recoverBatch is how many rows one outbox listing reads at activation.
const recoverBatch = 500

// maxUnknownHeld bounds the unknown rows an activation reconciles at once.
const maxUnknownHeld = 1000

// load reads the tenant's directory entry and outbox at activation. Rows found in
// "sending" belong to a process that died mid-send (or to a stale activation elsewhere):
// they may or may not have reached Meta, so they become "unknown" and wait for evidence —
// never resent blindly. Unknown rows keep waiting; queued rows go back to their lanes.
func (s *sender) load(ctx context.Context) error {
	now := s.d.Now()
	t, err := s.d.Store.Directory().TenantByID(ctx, s.tenantID)
	switch {
	case errors.Is(err, persistence.ErrNotFound):
	case err != nil:
		return fmt.Errorf("load tenant %s from the directory: %w", s.tenantID, err)
	default:
		s.applyDirectory(t)
	}
	s.dirAt, s.scannedAt = now, now
	if !s.enabled() {
		return nil
	}
	ob := s.d.Store.Outbox()
	var parked []persistence.OutboxMessage
	for {
		progress := false
		rows, err := ob.ListByState(ctx, s.tenantID, persistence.OutboxSending, recoverBatch)
		if err != nil {
			return fmt.Errorf("list sending outbox rows: %w", err)
		}
		for _, r := range rows {
			u := r
			u.State, u.UpdatedAt = persistence.OutboxUnknown, now
			switch err := transition(ctx, ob, persistence.OutboxSending, u, false); {
			case errors.Is(err, errBusy):
				// Held at that version (a fence its dead writer left): reconciled all the
				// same, its outcome written over "sending" when it is decided.
				s.hold(r, now)
				continue
			case errors.Is(err, persistence.ErrVersionConflict) || errors.Is(err, persistence.ErrNotFound):
				continue // its sender settled it meanwhile
			case err != nil:
				return fmt.Errorf("park outbox row %s: %w", r.ID, err)
			}
			parked, progress = append(parked, u), true
		}
		if len(rows) < recoverBatch || !progress {
			break
		}
	}
	unknown, err := ob.ListByState(ctx, s.tenantID, persistence.OutboxUnknown, maxUnknownHeld)
	if err != nil {
		return fmt.Errorf("list unknown outbox rows: %w", err)
	}
	for _, r := range unknown {
		s.hold(r, now)
	}
	if len(parked) > 0 {
		s.d.Log.Warn("messages found mid-send after a restart; reconciling", "tenant", s.tenantID, "count", len(parked))
		s.announceUnknown(parked, now)
	}
	queued, err := ob.ListByState(ctx, s.tenantID, persistence.OutboxQueued, s.pol.MemoryQueue)
	if err != nil {
		return fmt.Errorf("list queued outbox rows: %w", err)
	}
	for _, r := range queued {
		s.track(r, now)
	}
	s.moreInStore = len(queued) == s.pol.MemoryQueue
	if limit := s.backlogLimit(); limit > 0 {
		from := s.countStarted()
		n, err := ob.CountPending(ctx, s.tenantID, limit+1)
		if err != nil {
			return fmt.Errorf("count pending outbox rows: %w", err)
		}
		s.counted(n, from)
	}
	return s.redecide(ctx)
}

// hold starts reconciling an unknown row: it waits ReconcileAfter from now (from this
// activation, not from the crash: Meta's retried webhooks reach a node only once it is up).
func (s *sender) hold(r persistence.OutboxMessage, now time.Time) {
	if _, held := s.items[r.ID]; held {
		return
	}
	it := &outItem{row: r, phase: phaseUnknown, reconcileBy: now.Add(s.pol.ReconcileAfter), transient: r.Transient}
	s.items[r.ID], s.unknown[r.ID] = it, it
}

// announceParallel is how many conversations announceUnknown tells at once.
const announceParallel = 8

// announceUnknown shows the parked messages as "unknown" in their conversations, which
// restores a record the crash lost (and adopts Meta's statuses held for it). Each
// conversation is told with a deadline of its own, a few at a time: one that cannot take the
// restore — on MongoDB a conversation fenced by the killed writer refuses writes for up to a
// minute, and the call retries until its deadline — must not use up the others' time, or
// their records stay lost while the reconciliation waits.
func (s *sender) announceUnknown(rows []persistence.OutboxMessage, now time.Time) {
	node, d, timeout := s.node, s.d, s.pol.SendTimeout
	go func() {
		slots := make(chan struct{}, announceParallel)
		var wg sync.WaitGroup
		for _, r := range rows {
			slots <- struct{}{}
			wg.Go(func() {
				defer func() { <-slots }()
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				res := (&OutboundResult{MessageID: r.ID, Status: StatusUnknown, At: now, Retracted: r.Retracted}).restoring(r)
				_ = tellConversation(ctx, node, r, res, d) // best effort: the record is restored on the next check
			})
		}
		wg.Wait()
	}()
}

// evidenceChecked carries a conversation's answer about an unknown message; inInbox is set
// when, the conversation having no evidence, a webhook naming the message still waits in
// the inbox unprocessed.
type evidenceChecked struct {
	id      string
	view    OutboundView
	inInbox bool
	err     error
}

// inboxScanLimit bounds how many unprocessed webhooks an evidence check reads. An inbox
// further behind than that counts as possibly holding the evidence: a node that far behind
// on Meta's webhooks is in no position to conclude that Meta sent none.
const inboxScanLimit = 20_000

// inboxScanPage is how many pending webhooks one read of that scan returns.
const inboxScanPage = 500

// namedInInbox reports whether an unprocessed webhook in the inbox names message id (as the
// biz_opaque_callback_data of a status, which Meta sends only for a request it accepted). A
// conversation that cannot write — on MongoDB, a process killed inside a conditional write
// leaves a fence that holds a conversation for a minute — cannot record Meta's statuses, so
// their webhooks stay pending; without this look the wait would end "without evidence" and
// resend a message Meta already had.
func namedInInbox(ctx context.Context, inbox persistence.Inbox, id string) (bool, error) {
	quoted := []byte(`"` + id + `"`)
	after := ""
	for read := 0; read < inboxScanLimit; {
		page, err := inbox.Pending(ctx, after, inboxScanPage)
		if err != nil {
			return false, fmt.Errorf("read pending webhooks: %w", err)
		}
		for _, e := range page {
			if bytes.Contains(e.Body, quoted) {
				return true, nil
			}
		}
		if len(page) < inboxScanPage {
			return false, nil
		}
		read += len(page)
		after = page[len(page)-1].ID
	}
	return true, nil
}

// reconcile asks the conversations of unknown messages whose wait is over whether Meta
// reported them, and returns when the next wait ends.
func (s *sender) reconcile(now time.Time) time.Time {
	var next time.Time
	for _, it := range s.unknown {
		if it.phase != phaseUnknown || it.checking {
			continue
		}
		if it.reconcileBy.After(now) {
			next = earliest(next, it.reconcileBy)
			continue
		}
		it.checking = true
		row, node, tell, timeout := it.row, s.node, s.tell, s.pol.SendTimeout
		var inbox persistence.Inbox
		if s.d.Store != nil {
			inbox = s.d.Store.Inbox()
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			identity, ok := conversationOf(row)
			if !ok {
				tell(&evidenceChecked{id: row.ID}) // no conversation can hold evidence
				return
			}
			v, err := node.Call(ctx, KindConversation, identity, &GetOutbound{MessageID: row.ID})
			var view OutboundView
			if err == nil {
				if p, ok := v.(*OutboundView); ok {
					view = *p
				}
			} else if isNotFound(err) {
				err = nil // no conversation: no evidence
			}
			inInbox := false
			if err == nil && !view.Reached() && inbox != nil {
				inInbox, err = namedInInbox(ctx, inbox, row.ID)
			}
			tell(&evidenceChecked{id: row.ID, view: view, inInbox: inInbox, err: err})
		}()
	}
	return next
}

// checked decides an unknown message once its wait is over: reported by Meta → sent;
// otherwise it never reached Meta and goes back to its lane.
func (s *sender) checked(r *evidenceChecked) {
	it := s.items[r.id]
	if it == nil || it.phase != phaseUnknown {
		return
	}
	it.checking = false
	now := s.d.Now()
	switch {
	case r.err != nil:
		s.d.Log.Warn("evidence check failed; asking again", "tenant", s.tenantID, "message", r.id, "err", r.err)
		it.reconcileBy = now.Add(10 * time.Second)
	case r.view.Reached() && !slices.Contains(it.row.Retracted, r.view.WAMID):
		// (A conversation not yet told of a resend still shows the attempt Meta failed:
		// that proves nothing of this one.)
		s.confirm(it, r.view.WAMID, now)
		if r.view.Retry != nil {
			// Meta failed the attempt with its own trouble, and the sender never heard (a
			// crash, or a stop, took the failure's report): decided once the confirmation
			// lands, as a failure that came while an outcome was written (sender_late_failure.go).
			s.resendFailed(&OutboundEvidence{MessageID: r.id, WAMID: r.view.WAMID, Retry: r.view.Retry}, 0)
		}
	case r.inInbox:
		// Meta reported the message; its conversation has not recorded that yet. Once it
		// does, the evidence settles the message; until then, never resend it.
		s.d.Log.Warn("a webhook naming a message of unknown fate waits in the inbox; waiting for it",
			"tenant", s.tenantID, "message", r.id)
		it.reconcileBy = now.Add(s.pol.ReconcileAfter)
	default:
		s.d.Log.Warn("no status from Meta for a message of unknown fate; sending it again",
			"tenant", s.tenantID, "message", r.id, "waited", s.pol.ReconcileAfter)
		row := it.row
		row.State, row.NextAttemptAt, row.UpdatedAt = persistence.OutboxQueued, now, now
		s.settle(it, row, nil)
	}
}

// evidence is a conversation telling the sender that Meta reported a status carrying the
// message's id: whatever the outbox says, the message reached Meta.
func (s *sender) evidence(m *OutboundEvidence) {
	if m.Delivered {
		s.deliveredAfterAll(m)
		return
	}
	now := s.d.Now()
	if m.Restricted != nil || m.TemplateRefused != nil {
		from := now
		if !m.RestrictedAt.IsZero() && m.RestrictedAt.Before(now) {
			from = m.RestrictedAt // Meta refused the message then, whenever the status came
		}
		s.statusRefused(m, from)
		if m.MessageID == "" {
			return // not one of ours (sent outside the engine): nothing to settle
		}
	}
	it := s.items[m.MessageID]
	if it != nil && slices.Contains(it.row.Retracted, m.WAMID) {
		return // a status of an attempt Meta failed, after which the message went again
	}
	if m.Retry != nil {
		if it == nil {
			// The resend decision settles a row this activation does not hold, in one
			// read and one write: a confirmation racing it could leave neither done.
			s.resendFailed(m, 0)
			return
		}
		defer s.resendFailed(m, 0) // once the held message is settled sent
	}
	switch {
	case it == nil:
		s.confirmUntracked(m)
	case it.phase == phaseUnknown:
		s.confirm(it, m.WAMID, now)
	case it.phase == phaseQueued:
		// Waiting for a resend it must not get (the status came late).
		if s.number(it.row.PhoneNumberID).q.take(it, now) {
			s.confirm(it, m.WAMID, now)
		}
	case it.phase == phaseSending, it.phase == phaseCanceling:
		// The status beat the answer: the answer settles it, but if that answer is lost
		// (or an error), this is what it was. Or it came while a cancel is written: once
		// that lands, the outbox learns what the customer has (canceled).
		it.reached = m.WAMID
	default:
		// Being settled already.
	}
}

// confirm records a message as sent on evidence.
func (s *sender) confirm(it *outItem, wamid string, now time.Time) {
	row := it.row
	row.State, row.WAMID, row.UpdatedAt = persistence.OutboxSent, wamid, now
	s.settle(it, row, nil)
}

// confirmUntracked settles evidence for a row this activation does not hold (memory was
// full, or another activation parked it): only unknown or queued rows move to sent.
func (s *sender) confirmUntracked(m *OutboundEvidence) {
	ob, d := s.d.Store.Outbox(), s.d
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		row, err := ob.Get(ctx, m.MessageID)
		// A canceled row too: reconciliation judged it unsent and the API canceled it, but
		// Meta had it. The customer has the message, so the outbox says so.
		if err != nil || row.TenantID == "" || (row.State != persistence.OutboxUnknown && row.State != persistence.OutboxQueued && row.State != persistence.OutboxCanceled) {
			return
		}
		if slices.Contains(row.Retracted, m.WAMID) {
			return // a status of an attempt Meta failed: the message is queued to go again
		}
		from := row.State
		row.State, row.WAMID, row.UpdatedAt = persistence.OutboxSent, m.WAMID, time.Now().UTC()
		if err := ob.Transition(ctx, from, row); err != nil {
			d.Log.Warn("evidence not recorded", "message", m.MessageID, "err", err)
		}
	}()
}

func isNotFound(err error) bool {
	var f *cluster.Failure
	return errors.Is(err, ErrNotFound) || (errors.As(err, &f) && f.Code == FailureNotFound)
}
