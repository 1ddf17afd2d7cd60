package actors

import "time"

// Read receipts. An inbox calls PUT /conversations/:id/read whenever an agent opens or
// focuses a conversation, but Meta needs to hear of a read only when a message arrived since
// the last receipt it accepted: every other one is a Graph call against the app's limits.
// The conversation decides, so the decision holds on every node: it persists the newest
// inbound message Meta accepted a receipt (or a typing indicator) for, and holds the one on
// its way in memory only, for a bounded time — a receipt Meta refused, or whose answer was
// lost with its node, must not hold back the next PUT /read.

// ClaimReadReceipt asks the conversation which inbound message a read receipt should name,
// and holds it as on its way for For (the sender's deadline). A typing indicator (Typing)
// is always sent: the agent is answering, whatever Meta has seen.
type ClaimReadReceipt struct {
	Typing bool          `json:"typing,omitempty"`
	For    time.Duration `json:"for"`
}

// ReadReceiptClaim answers ClaimReadReceipt: the wamid to mark read and Meta's time of it.
// WAMID is "" when Meta already has, or is being sent, a receipt for the newest message.
type ReadReceiptClaim struct {
	WAMID string    `json:"wamid,omitempty"`
	At    time.Time `json:"at,omitzero"`
}

// ReadReceiptSent reports Meta's answer to a claimed receipt (Accepted: 200). An accepted one
// is remembered; a refused one frees the claim, so the next PUT /read tries again.
type ReadReceiptSent struct {
	Claim    ReadReceiptClaim `json:"claim"`
	Accepted bool             `json:"accepted"`
}

// claimReadReceipt is ClaimReadReceipt at now; ok is false when there is nothing to send.
func (c *conversation) claimReadReceipt(m *ClaimReadReceipt, now time.Time) (ReadReceiptClaim, bool) {
	newest := ReadReceiptClaim{WAMID: c.s.Summary.LastInboundWAMID, At: c.s.Summary.LastReadableAt}
	if newest.At.IsZero() {
		newest.At = c.s.Summary.LastInboundAt // a summary from before LastReadableAt was kept
	}
	switch {
	case newest.WAMID == "":
		return ReadReceiptClaim{}, false
	case m.Typing:
	case newest.WAMID == c.s.ReadAtMeta.WAMID:
		// LastInboundWAMID only moves to a message Meta received later, so another wamid is
		// a newer message: this one is read at Meta already.
		return ReadReceiptClaim{}, false
	case newest.WAMID == c.receiptSending.WAMID && now.Before(c.receiptSendingUntil):
		return ReadReceiptClaim{}, false
	}
	c.receiptSending, c.receiptSendingUntil = newest, now.Add(m.For)
	return newest, true
}

// readReceiptSent applies Meta's answer to a claim; it reports whether the snapshot changed.
func (c *conversation) readReceiptSent(m *ReadReceiptSent) bool {
	if c.receiptSending.WAMID == m.Claim.WAMID {
		c.receiptSending, c.receiptSendingUntil = ReadReceiptClaim{}, time.Time{}
	}
	read := c.s.ReadAtMeta
	if !m.Accepted || m.Claim.WAMID == "" || m.Claim.WAMID == read.WAMID || m.Claim.At.Before(read.At) {
		return false // refused, or older than what Meta already has (answers may cross)
	}
	c.s.ReadAtMeta = m.Claim
	return true
}
