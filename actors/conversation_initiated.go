package actors

import "time"

// A business-initiated template counts its customer against Meta's messaging limit from the
// moment it is accepted (messaging_limit.go), but Meta counts only the customers it was asked
// to message. So the conversation remembers, per such template until its outcome, what
// LastInitiatedAt was before it; a template that never reached Meta gives it back, and the
// tenant, which follows LastInitiatedAt through the summaries, stops counting the customer.

// maxInitiatedMarks bounds the marks a conversation keeps: templates to one customer that
// are still unsent are few; marks older than the messaging-limit window count nothing.
const maxInitiatedMarks = 64

// markInitiated moves LastInitiatedAt to the business-initiated template id made at at.
func (c *conversation) markInitiated(id string, at time.Time) {
	if c.s.Initiated == nil {
		c.s.Initiated = map[string]initiatedMark{}
	}
	if len(c.s.Initiated) >= maxInitiatedMarks {
		for k, mk := range c.s.Initiated {
			if !mk.At.After(at.Add(-MessagingLimitWindow)) {
				delete(c.s.Initiated, k)
			}
		}
	}
	if len(c.s.Initiated) < maxInitiatedMarks { // else: never given back, which errs on refusing
		c.s.Initiated[id] = initiatedMark{At: at, Before: c.s.Summary.LastInitiatedAt}
	}
	c.s.Summary.LastInitiatedAt = at
}

// settleInitiated ends m's mark once its fate is known, and reports whether LastInitiatedAt
// went back: m never reached Meta (canceled, or failed with no wamid: expired unsent, or
// refused by Meta's answer). A template Meta accepted keeps counting.
func (c *conversation) settleInitiated(m *Message) bool {
	mk, ok := c.s.Initiated[m.ID]
	if !ok {
		return false
	}
	reached := m.WAMID != "" || statusRank[m.Status] >= statusRank[StatusSent] && m.Status != StatusFailed
	never := m.Status == StatusCanceled || (m.Status == StatusFailed && m.WAMID == "")
	switch {
	case reached:
		delete(c.s.Initiated, m.ID)
		return false
	case !never:
		return false // queued, unknown: still on its way
	}
	delete(c.s.Initiated, m.ID)
	// A later unsent template marked this one's time as its "before": it inherits ours.
	for k, other := range c.s.Initiated {
		if other.Before.Equal(mk.At) {
			other.Before = mk.Before
			c.s.Initiated[k] = other
		}
	}
	if !c.s.Summary.LastInitiatedAt.Equal(mk.At) {
		return false // a later template moved it since
	}
	c.s.Summary.LastInitiatedAt = mk.Before
	return true
}
