package actors

import (
	"maps"
	"slices"
	"time"
)

// The conversation's side of a resend after Meta failed an accepted message with its own
// trouble (sender_resend.go): it tells the sender of the failure, starts the message over
// when the sender's result names the failed attempt's wamid as retracted, and ignores the
// statuses of retracted wamids from then on.

// retryable tells the sender of a failed status it may answer by sending the message again
// (StatusUpdate.Retryable): when the status just failed the attempt the message shows — not
// a failure reported after delivery, another copy's status or one after a different error —
// or when it is held for a message this conversation does not have (a record a crash lost:
// the sender checks the outbox row).
func (c *conversation) retryable(st StatusUpdate, out statusOutcome, m *Message) {
	switch {
	case out == statusApplied && m.Status == StatusFailed && m.WAMID == st.WAMID && m.Error != nil && m.Error.Code == st.Error.Code:
		c.evidence = append(c.evidence, OutboundEvidence{MessageID: m.ID, WAMID: st.WAMID, Retry: st.Error})
	case out == statusHeld && st.CallbackData != "":
		if _, known := c.log.lookup(outboundKey(st.CallbackData)); !known {
			c.evidence = append(c.evidence, OutboundEvidence{MessageID: st.CallbackData, WAMID: st.WAMID, Retry: st.Error})
		}
	}
}

// retracted reports whether st is a status of an attempt of one of our messages that Meta
// failed and the engine sent again: it no longer describes the message.
func (c *conversation) retracted(st StatusUpdate) bool {
	if st.CallbackData == "" {
		return false
	}
	pos, ok := c.log.lookup(outboundKey(st.CallbackData))
	if !ok {
		return false
	}
	m, err := c.log.at(pos)
	return err == nil && m.Direction == Outbound && slices.Contains(m.RetractedWAMIDs, st.WAMID)
}

// retractAttempts records the wamids the sender retracted (OutboundResult.Retracted) and,
// when the message still shows one of them, starts it over: queued, with no wamid, error
// or pricing, its earlier statuses forgotten but for when it was queued. It reports whether
// anything changed. Slices and maps are replaced, never written in place: copies of the
// message (the summary's LastMessage, a flush being encoded) share them.
func (c *conversation) retractAttempts(m *Message, wamids []string) bool {
	changed := false
	for _, w := range wamids {
		if w == "" || slices.Contains(m.RetractedWAMIDs, w) {
			continue
		}
		m.RetractedWAMIDs, changed = append(slices.Clip(m.RetractedWAMIDs), w), true
		if m.WAMID != w || delivery(m.Status) {
			// Another attempt, or one Meta delivered after failing it: the sender withdraws
			// its resend if it can (sender_withdraw.go), and the message shows what the
			// customer has meanwhile.
			continue
		}
		c.log.dropWAMID(w)
		m.WAMID, m.Status, m.Error, m.Pricing = "", StatusQueued, nil, nil
		ts := maps.Clone(m.StatusTimestamps)
		maps.DeleteFunc(ts, func(status string, _ time.Time) bool { return status != StatusQueued })
		m.StatusTimestamps = ts
	}
	return changed
}

// finalFailure marks m's failure of attempt wamid final: the sender decided not to send the
// message again (OutboundResult.Final), so its error no longer says retryable. It reports
// whether anything changed; the error is replaced, never written in place (copies share it).
func finalFailure(m *Message, wamid string) bool {
	if m.WAMID != wamid || m.Error == nil || !m.Error.Retryable {
		return false
	}
	e := *m.Error
	e.Retryable = false
	m.Error = &e
	return true
}

// delivery reports whether a status says the customer has the message: delivered, read or
// played, which outrank failed (statusRank).
func delivery(status string) bool { return statusRank[status] > statusRank[StatusFailed] }

// deliveredAfterAll tells the sender that Meta reported st's attempt delivered (or read)
// after failing it with its own trouble, so that a resend not yet at Meta is withdrawn. The
// status is held as well: a message started over shows it once the sender reinstates the
// attempt (reinstate). Called for a status of a retracted attempt, and for one applied to
// a message that shows a retryable failure (the sender's word of the resend still to come).
// It reports whether it held the status.
func (c *conversation) deliveredAfterAll(st StatusUpdate) bool {
	if !delivery(st.Status) || st.CallbackData == "" {
		return false
	}
	c.evidence = append(c.evidence, OutboundEvidence{MessageID: st.CallbackData, WAMID: st.WAMID, Delivered: true})
	if _, shown := c.log.lookup(st.WAMID); shown {
		return false
	}
	c.hold(st)
	return true
}

// reinstate takes wamid off the message's retracted attempts: the sender withdrew the resend
// Meta's delivery of that attempt made needless (OutboundResult.Reinstated). The result's
// wamid then teaches it to a message started over, releasing the delivery held for it. It
// reports whether anything changed.
func (c *conversation) reinstate(m *Message, wamid string) bool {
	if wamid == "" || !slices.Contains(m.RetractedWAMIDs, wamid) {
		return false
	}
	m.RetractedWAMIDs = slices.DeleteFunc(slices.Clone(m.RetractedWAMIDs), func(w string) bool { return w == wamid })
	return true
}

// firstDelivery reports whether status is the only delivery m has recorded: the sender
// hears of a delivery after a retryable failure once, not again with every read.
func firstDelivery(m *Message, status string) bool {
	for s := range m.StatusTimestamps {
		if delivery(s) && s != status {
			return false
		}
	}
	return true
}
