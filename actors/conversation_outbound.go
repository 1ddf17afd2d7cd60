package actors

import (
	"slices"
	"time"
)

// The conversation's side of the outbound pipeline: the sender's results, and statuses
// matched by our message id (biz_opaque_callback_data) when their wamid is not known yet.

// outboundResult applies what the sender learned about one of the conversation's
// messages. It stores the message first when the conversation lacks it and r carries it.
func (c *conversation) outboundResult(r *OutboundResult, now time.Time) (bool, error) {
	pos, ok, err := c.log.findOutbound(r.MessageID, lookupWindow)
	if err != nil {
		return false, err // whether the conversation has the message is unknown: restore nothing
	}
	changed := false
	if !ok {
		if r.Message == nil {
			return false, nil
		}
		m := *r.Message
		m.ID, m.Status, m.WAMID = r.MessageID, StatusQueued, ""
		// Known before it is added, so that no held status of a retracted attempt is adopted.
		m.RetractedWAMIDs = slices.Clone(r.Retracted)
		if !c.addOutbound(m, now) {
			return false, nil
		}
		pos, _ = c.log.lookup(outboundKey(r.MessageID))
		changed = true
	}
	m, err := c.log.at(pos)
	if err != nil {
		return changed, err
	}
	if m.Direction != Outbound {
		return changed, nil
	}
	if c.reinstate(m, r.Reinstated) {
		changed = true
	}
	if c.retractAttempts(m, r.Retracted) {
		changed = true
		if m.WAMID == "" && len(c.s.Held) > 0 {
			// Statuses of the new attempt held while the message showed the failed one.
			c.adoptHeldByCallback(pos, m.ID)
		}
	}
	if r.Final != "" && finalFailure(m, r.Final) {
		changed = true
	}
	if r.WAMID != "" && m.WAMID == "" {
		c.learnWAMID(pos, m, r.WAMID)
		changed = true
	}
	if r.WaID != "" && c.learnWaID(r.WaID) {
		// Rides on the flush the outcome makes anyway: no write of its own.
		changed = true
	}
	if r.Status != "" {
		at := r.At
		if at.IsZero() {
			at = now
		}
		if mergeStatus(m, StatusUpdate{WAMID: m.WAMID, Status: r.Status, Timestamp: at, Error: r.Error}) {
			changed = true
		}
		if r.Status == StatusFailed && r.Error != nil && !r.Unsent && c.marketingRefused(r.Error.Code, at) {
			changed = true
		}
		if c.noteCanceller(m, r.CanceledBy) {
			changed = true
		}
	}
	if c.settleInitiated(m) {
		changed = true
	}
	if changed {
		c.log.touch(pos)
		c.noteChanged(*m)
	}
	return changed, nil
}

// noteCanceller records by as the user who canceled m, while m shows canceled. The last
// one told wins: the sender tells a canceller only before its cancel's write, one write at
// a time, and none after one lands (writeCancel), so an earlier canceller told here is one
// whose write failed. A repeated cancel tells nothing, and the first canceller stays.
func (c *conversation) noteCanceller(m *Message, by *MessageAuthor) bool {
	if by == nil || m.Status != StatusCanceled || (m.CanceledBy != nil && *m.CanceledBy == *by) {
		return false
	}
	who := *by
	m.CanceledBy = &who
	return true
}

// learnWaID records the customer's wa_id as Meta's answer to a send named it, by
// updateContact's rule (the same line only), and reports whether the contact changed.
func (c *conversation) learnWaID(waID string) bool {
	before := c.s.Summary.Contact.WaID
	c.updateContact(Contact{WaID: waID})
	return c.s.Summary.Contact.WaID != before
}

// learnWAMID gives the outbound message at pos the wamid Meta assigned, indexes it, and
// applies the statuses that arrived for it before (held).
func (c *conversation) learnWAMID(pos int, m *Message, wamid string) {
	m.WAMID = wamid
	c.log.setWAMID(pos, wamid)
	c.releaseHeld(pos, wamid)
}

// matchCallback finds the outbound message a status names by our id (callback data) when
// the status's wamid is not indexed: the status beat the send response, or the process
// died between Meta's answer and recording it. A match teaches the message its wamid and
// is evidence the message reached Meta, which the sender is told after the next flush.
// A message that already has another wamid is not matched: that status is of a second copy
// — unless Meta failed the attempt the message shows with its own trouble, after which the
// sender sends it again: a status with another wamid is then of that new attempt, and the
// message starts over with it, whether or not the sender's word of the resend arrived.
func (c *conversation) matchCallback(st StatusUpdate) (int, bool) {
	if st.CallbackData == "" {
		return 0, false
	}
	pos, ok := c.log.lookup(outboundKey(st.CallbackData))
	if !ok {
		return 0, false
	}
	m, err := c.log.at(pos)
	if err != nil || m.Direction != Outbound {
		return 0, false
	}
	if m.WAMID != "" && m.WAMID != st.WAMID {
		if m.Status != StatusFailed || m.Error == nil || !m.Error.Retryable {
			return 0, false
		}
		c.retractAttempts(m, []string{m.WAMID})
	}
	if m.WAMID == "" {
		c.learnWAMID(pos, m, st.WAMID)
		if !(st.Retryable && st.Error != nil) {
			// (A retryable failure is the sender's to settle with its resend decision, in
			// one read and one write: conversation_resend.go.)
			c.evidence = append(c.evidence, OutboundEvidence{MessageID: m.ID, WAMID: st.WAMID})
		}
	}
	return pos, true
}

// outboundView is what the conversation knows of one of its outbound messages.
func (c *conversation) outboundView(id string) OutboundView {
	pos, ok := c.log.lookup(outboundKey(id))
	if !ok {
		// A record lost in a crash and not restored yet: statuses Meta reported for it wait
		// in Held, naming our id as callback data, and they prove it reached Meta.
		if wamid, held := c.heldByCallback(id, nil); held {
			m, _ := c.heldFor(wamid)
			return OutboundView{Found: true, WAMID: wamid, Status: m.Status}
		}
		return OutboundView{}
	}
	m, err := c.log.at(pos)
	if err != nil || m.Direction != Outbound {
		return OutboundView{}
	}
	v := OutboundView{Found: true, WAMID: m.WAMID, Status: m.Status}
	if m.Status == StatusFailed && m.WAMID != "" && m.Error != nil && m.Error.Retryable {
		v.Retry = m.Error
	}
	return v
}

// takeEvidence returns and forgets the evidence gathered since the last flush. A retryable
// failure goes even when a delivery of the same attempt followed it before the flush: the
// resend decision asks the conversation then, as it does for a delivery that comes later
// (conversationShowsDelivered), so one look covers both.
func (c *conversation) takeEvidence() []OutboundEvidence {
	ev := c.evidence
	c.evidence = nil
	return ev
}
