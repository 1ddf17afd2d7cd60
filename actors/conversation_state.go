package actors

import (
	"slices"
	"time"

	json "github.com/goccy/go-json"

	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
)

// maxHeldWAMIDs bounds the statuses a conversation holds for messages it has not seen
// (status before the send response, or messages sent from another app). Oldest go first.
const maxHeldWAMIDs = 512

// How long a conversation holds the statuses of a wamid it does not know, from their
// arrival (expireHeld). The snapshot carries them and is rewritten whole by every flush, so
// 512 wamids of another app's statuses (a coexistence number, a marketing tool on the same
// WABA) cost ~370 KB on every later write of the conversation, for as long as it lived,
// when nothing expired them.
//
// A status naming one of our ids (callback data) is held only in the conversation whose
// message it is (the webhook processor places it by the outbox row: StatusUpdate.Placed)
// and waits for what can still come for that message: the send's answer (its wamid,
// within SendTimeout), the sender's restore of a record a crash lost (the next activation,
// which reconciles within OUTBOUND_RECONCILE_AFTER of its start and asks the conversation
// then), a resend's new attempt (within the message's validity). A message is sent, sent
// again and reconciled only within its validity (OUTBOUND_VALIDITY, 10 h), and reconciled
// at most OUTBOUND_RECONCILE_AFTER after the sender started watching: a held status of
// ours older than validity + 2 × OUTBOUND_RECONCILE_AFTER, and at least heldOursFor (a day),
// is waited for by nothing (heldOursLife). A node down longer than that with a record lost
// has had the held status as evidence already: the conversation pushes it to the sender
// once it is durable.
//
// A status without callback data is not of an engine send (every one carries our id): only
// a send's answer naming the same wamid could still claim it, which comes within seconds,
// so it goes after heldForeignFor; so does one whose callback data the outbox did not know
// (the processor clears it: not ours).
const (
	heldOursFor    = 24 * time.Hour
	heldForeignFor = 10 * time.Minute
)

// heldOursLife is how long statuses naming our ids are held under policy p (see heldOursFor).
func heldOursLife(p OutboundPolicy) time.Duration {
	return max(heldOursFor, p.Validity+2*p.ReconcileAfter)
}

// conversationSnapshot is what a conversation persists besides its message buckets.
type conversationSnapshot struct {
	Summary ConversationSummary       `json:"summary"`
	Held    map[string][]StatusUpdate `json:"held,omitempty"`
	// HeldOrder is the arrival order of Held's keys, for eviction.
	HeldOrder []string `json:"heldOrder,omitempty"`
	// HeldAt is when each of Held's keys was first held, for expiry (expireHeld). A key
	// held before this was kept is dated by the first expiry pass that sees it.
	HeldAt map[string]time.Time `json:"heldAt,omitempty"`
	// Initiated is, per outbound template that moved Summary.LastInitiatedAt and has not
	// reached Meta yet, what LastInitiatedAt was before it: a template that never reaches
	// Meta (canceled, expired, refused) gives the customer's messaging-limit count back.
	Initiated map[string]initiatedMark `json:"initiated,omitempty"`
	// ReadAtMeta is the newest inbound message Meta accepted a read receipt for
	// (read_receipt.go).
	ReadAtMeta ReadReceiptClaim `json:"readAtMeta,omitzero"`
}

// initiatedMark is one business-initiated template's move of LastInitiatedAt.
type initiatedMark struct {
	At     time.Time `json:"at"`
	Before time.Time `json:"before,omitzero"`
}

// conversation is the state machine of one conversation: plain code, no actor, no IO but
// through its message log's loader, so it is tested directly.
type conversation struct {
	s   conversationSnapshot
	log *messageLog
	// evidence is what matchCallback learnt since the last flush, for the sender.
	evidence []OutboundEvidence
	// receiptSending is the read receipt on its way to Meta, until receiptSendingUntil;
	// not persisted: one lost with its activation must not hold back the next.
	receiptSending      ReadReceiptClaim
	receiptSendingUntil time.Time
	// heldOurs is how long statuses naming our ids are held (heldOursLife; 0: heldOursFor).
	heldOurs time.Duration
}

func newConversation(s conversationSnapshot, load loadBucket) *conversation {
	if s.Held == nil {
		s.Held = map[string][]StatusUpdate{}
	}
	return &conversation{s: s, log: newMessageLog(s.Summary.MessageCount, load)}
}

// deliver applies one Deliver: contact details, preferences, new messages (deduped by
// wamid), then statuses. now stamps CreatedAt.
func (c *conversation) deliver(d *Deliver, now time.Time) (DeliverResult, error) {
	var r DeliverResult
	// Before any change: a recall that fails leaves the conversation as it was.
	if !d.Since.IsZero() {
		if err := c.log.recall(d.Since); err != nil {
			return r, err
		}
	}
	c.updateContact(d.Contact)
	if d.PhoneNumberID != "" {
		c.s.Summary.PhoneNumberID = d.PhoneNumberID
	}
	for _, p := range d.Preferences {
		c.updatePreference(p)
		c.noteFirstActivity(p.Timestamp, now)
	}
	for _, m := range d.Messages {
		added, err := c.addInbound(m, now)
		if err != nil {
			return r, err
		}
		if added {
			r.Added++
		} else {
			r.Duplicates++
		}
	}
	for _, st := range d.Statuses {
		switch out, err := c.applyStatus(st); {
		case err != nil:
			return r, err
		case out == statusApplied:
			r.StatusesApplied++
		case out == statusHeld:
			r.StatusesHeld++
		case out == statusUnplaced:
			r.Unplaced = append(r.Unplaced, st)
		default:
			r.StatusesIgnored++
		}
	}
	c.expireHeld(now)
	return r, nil
}

func (c *conversation) updateContact(in Contact) {
	ct := &c.s.Summary.Contact
	if in.Name != "" {
		ct.Name = in.Name
	}
	if in.Username != "" {
		ct.Username = in.Username
	}
	// Meta may name a Brazilian or Mexican mobile in either of its forms (WHATSAPP.md §2);
	// the contact shows, and is sent to, the one Meta gave last.
	if in.WaID != "" && (ct.WaID == "" || phone.LineKey(ct.WaID) == phone.LineKey(in.WaID)) {
		ct.WaID = in.WaID
	}
	if ct.UserID == "" && in.UserID != "" {
		ct.UserID = in.UserID
	}
}

// noteFirstActivity dates a conversation that has no activity yet by an event that is not a
// message (a user_preferences update: the customer tapped stop or resume), Meta's time or
// else now: without it a conversation opened by such an event showed lastActivityAt
// 0001-01-01 in the inbox. Messages date it as before (noteLast).
func (c *conversation) noteFirstActivity(at, now time.Time) {
	if sum := &c.s.Summary; sum.LastActivityAt.IsZero() {
		if at.IsZero() {
			at = now
		}
		sum.LastActivityAt = at
	}
}

// updatePreference applies a marketing stop/resume unless it is older than the one applied
// last: a late retry (or the engine's replay) of an older "stop" must not opt out a user who
// resumed since. A snapshot saved before the time was kept takes the next update.
func (c *conversation) updatePreference(p PreferenceUpdate) {
	ct := &c.s.Summary.Contact
	if p.Category != "marketing_messages" || !notOlder(p.Timestamp, ct.MarketingPreferenceAt) {
		return
	}
	ct.MarketingOptOut, ct.MarketingPreferenceAt = p.Value == "stop", p.Timestamp
}

// marketingRefused records what Meta's refusal of a message at says of the customer's
// marketing messages, whichever path it came by (a failed status, or the send's answer:
// WHATSAPP.md §2.2 says to handle both). 131050: the customer stopped them, as good as their
// user_preferences "stop", which may come later or not at all (a newer "resume" still wins).
// 131049: Meta holds marketing to them back for a day. It reports whether the contact
// changed.
func (c *conversation) marketingRefused(code int, at time.Time) bool {
	ct := &c.s.Summary.Contact
	switch code {
	case MetaMarketingOptOut:
		before := *ct
		c.updatePreference(PreferenceUpdate{Category: "marketing_messages", Value: "stop", Timestamp: at})
		return *ct != before
	case MetaMarketingHeld:
		if until := at.Add(MarketingHold); until.After(ct.MarketingHeldUntil) {
			ct.MarketingHeldUntil = until
			return true
		}
	}
	return false
}

// addInbound stores an inbound message unless its wamid is already known.
func (c *conversation) addInbound(m Message, now time.Time) (bool, error) {
	if _, dup := c.log.lookup(m.WAMID); dup {
		return false, nil
	}
	m.Direction, m.Status = Inbound, StatusReceived
	if m.ID == "" {
		m.ID = m.WAMID
	}
	m.CreatedAt = now
	c.log.append(m)
	sum := &c.s.Summary
	sum.MessageCount = c.log.count
	switch {
	case m.Type == "system":
		// Notices are not the user talking: no unread, no window.
		if m.Content != nil {
			c.noteSystem(m)
		}
	case isAmendment(m.Type):
		// The user deleted or edited an earlier message (coexistence numbers): kept in the
		// history, but a change to that message, not a new one to answer: not unread, not
		// the conversation's last message, and it does not extend the window (a deletion
		// days later must not let a free-form reply go out to a 131047).
		if m.Type == "revoke" {
			c.revoke(m)
		}
		return true, nil
	default:
		if m.Type != "reaction" {
			// A reaction (or one taken back) is the customer writing, so it keeps the window
			// open (Meta: any message), but not a message for an agent to read: WhatsApp's and
			// Chatwoot's unread counts leave it out.
			sum.UnreadCount++
		}
		readable := sum.LastReadableAt
		if readable.IsZero() && sum.LastInboundWAMID != "" {
			readable = sum.LastInboundAt // a summary from before LastReadableAt was kept
		}
		if !m.Timestamp.Before(sum.LastInboundAt) {
			sum.LastInboundAt = m.Timestamp
		}
		// Webhooks arrive out of order: a message Meta received earlier may be stored
		// after a later one, and must not become what a read receipt or the typing
		// indicator names (the newest message would never show as read). Nor does a
		// reaction: Meta marks messages read and documents no receipt on a reaction, an
		// emoji WhatsApp shows on an earlier message.
		if m.Type != "reaction" && !m.Timestamp.Before(readable) {
			sum.LastReadableAt, sum.LastInboundWAMID = m.Timestamp, m.WAMID
		}
		if sum.Status == ConversationClosed {
			sum.Status = ConversationOpen // a closed conversation reopens when the user writes
		}
	}
	c.noteLast(m)
	return true, nil
}

func (c *conversation) noteSystem(m Message) {
	var sys struct {
		WaID string `json:"wa_id"`
		Type string `json:"type"`
	}
	if err := unmarshal(m.Content, &sys); err == nil && sys.Type == "user_changed_number" {
		c.noteChangedNumber(sys.WaID, m.Timestamp)
	}
}

func (c *conversation) noteLast(m Message) {
	sum := &c.s.Summary
	// Stored late but older than what the summary shows (out-of-order webhooks) is not the
	// last message. Meta dates messages to the whole second, the engine its sends finer:
	// within one second the message stored later is the newer (a customer's answer within
	// the second of the agent's message is not older than it).
	if cur := sum.LastMessage; cur != nil && cur.ID != m.ID && !m.Timestamp.IsZero() && m.Timestamp.Before(cur.Timestamp.Truncate(time.Second)) {
		return
	}
	last := m
	last.Content, last.Referral = nil, nil
	sum.LastMessage = &last
	if m.Timestamp.After(sum.LastActivityAt) {
		sum.LastActivityAt = m.Timestamp
	}
}

// noteChanged refreshes the summary's copy of m after m changed (a status), when m is the
// message the summary shows.
func (c *conversation) noteChanged(m Message) {
	if cur := c.s.Summary.LastMessage; cur != nil && cur.ID == m.ID {
		c.noteLast(m)
	}
}

// revoke blanks the inbound message a revoke names, when this conversation still indexes it:
// the user deleted it for everyone, and an inbox that kept showing it would not be what the
// user sees. The revoke itself stays in the history, saying when.
func (c *conversation) revoke(r Message) {
	var target struct {
		ID string `json:"original_message_id"`
	}
	if json.Unmarshal(r.Content, &target) != nil || target.ID == "" {
		return
	}
	pos, ok := c.log.lookup(target.ID)
	if !ok {
		return
	}
	m, err := c.log.at(pos)
	if err != nil || m.Direction != Inbound || !m.RevokedAt.IsZero() {
		return
	}
	m.Text, m.Content, m.RevokedAt = "", nil, r.Timestamp
	c.log.touch(pos)
	c.noteChanged(*m)
}

// isAmendment reports whether an inbound message type changes an earlier message (the user
// deleted or edited it) instead of saying something new.
func isAmendment(msgType string) bool { return msgType == "revoke" || msgType == "edit" }

type statusOutcome int

const (
	statusIgnored statusOutcome = iota
	statusApplied
	statusHeld
	// statusUnplaced: the status names, as callback data, an id this conversation has no
	// message for, and was not placed here by the outbox: left alone and answered back
	// (DeliverResult.Unplaced). Neither applied nor held, nor told to the sender: the
	// conversation the outbox names does that once the processor delivers it there.
	statusUnplaced
)

// applyStatus moves an outbound message's status forward by rank, or holds the status when
// the message is not known yet. A lower-ranked status (a late "delivered" after "read") only
// records its timestamp. failed ranks above sent and below delivered (statusRank): it fails a
// message not yet delivered, and a delivery reported before or after it (multi-device: one
// device got it, another did not) keeps the better status with the error recorded beside it.
func (c *conversation) applyStatus(st StatusUpdate) (statusOutcome, error) {
	if !KnownStatus(st.Status) || st.WAMID == "" {
		return statusIgnored, nil
	}
	out, m, err := c.placeStatus(st)
	if out == statusUnplaced {
		return out, err
	}
	if st.Status == StatusFailed && st.Error != nil {
		c.marketingRefused(st.Error.Code, st.Timestamp)
	}
	if out != statusIgnored && actsOnAccount(st) {
		// Meta restricted the tenant's number or account, or paused the template, and said
		// so on a message it had accepted: the sender acts as for the same code answering a
		// send (status_refusal.go).
		c.evidence = append(c.evidence, c.refusalEvidence(st, m))
	}
	if st.Retryable && st.Error != nil {
		c.retryable(st, out, m)
	}
	if out == statusApplied && m.WAMID == st.WAMID && m.Error != nil && m.Error.Retryable && firstDelivery(m, st.Status) {
		c.deliveredAfterAll(st) // before the sender's word of the resend
	}
	return out, err
}

// placeStatus is applyStatus without the sender's concerns: apply, hold or ignore. It
// returns the message a status applied to.
func (c *conversation) placeStatus(st StatusUpdate) (statusOutcome, *Message, error) {
	pos, ok := c.log.lookup(st.WAMID)
	if !ok {
		if c.retracted(st) {
			if c.deliveredAfterAll(st) {
				return statusHeld, nil, nil // flushed, and the sender told
			}
			return statusIgnored, nil, nil
		}
		pos, ok = c.matchCallback(st)
	}
	if !ok && c.elsewhere(st) {
		return statusUnplaced, nil, nil
	}
	if !ok {
		c.hold(st)
		return statusHeld, nil, nil
	}
	m, err := c.log.at(pos)
	if err != nil {
		return statusIgnored, nil, err
	}
	if m.Direction != Outbound {
		return statusIgnored, nil, nil
	}
	if !mergeStatus(m, st) {
		return statusIgnored, nil, nil
	}
	c.log.touch(pos)
	c.noteChanged(*m)
	return statusApplied, m, nil
}

// mergeStatus applies st to m and reports whether anything changed. StatusTimestamps is
// replaced, never written in place: copies of the message (the summary's LastMessage, a
// reply or a summary being encoded by a flush goroutine) share the map.
func mergeStatus(m *Message, st StatusUpdate) bool {
	changed := false
	if _, seen := m.StatusTimestamps[st.Status]; !seen {
		ts := make(map[string]time.Time, len(m.StatusTimestamps)+1)
		for k, v := range m.StatusTimestamps {
			ts[k] = v
		}
		ts[st.Status] = st.Timestamp
		m.StatusTimestamps = ts
		changed = true
	}
	if st.Pricing != nil && m.Pricing == nil {
		m.Pricing, changed = st.Pricing, true
	}
	if st.Status == StatusFailed && m.Error == nil && st.Error != nil {
		// Kept beside a delivery too: the inbox can tell that a device missed the message.
		// Retryable only while the engine may send the message again: not once the customer
		// has it (the sender sends nothing after a delivery).
		e := *st.Error
		e.Retryable = st.Retryable && !delivery(m.Status)
		m.Error, changed = &e, true
	}
	// By rank alone, so the order Meta's webhooks arrive in does not decide the outcome.
	if statusRank[st.Status] > statusRank[m.Status] {
		m.Status, changed = st.Status, true
		m.CanceledBy = nil // Meta had it after all: no longer the message its canceller took back
	}
	return changed
}

// elsewhere reports whether st names, as callback data, an id this conversation has no
// message for, and the processor has not placed it here (StatusUpdate.Placed): the message
// is another conversation's (the customer is known by two keys), a record a crash lost, or
// not ours. Holding it here would keep it from its message for good, and put a conversation
// with no message in the inbox when there was none.
func (c *conversation) elsewhere(st StatusUpdate) bool {
	if st.CallbackData == "" || st.Placed {
		return false
	}
	_, known := c.log.lookup(outboundKey(st.CallbackData))
	return !known
}

func (c *conversation) hold(st StatusUpdate) {
	if _, ok := c.s.Held[st.WAMID]; !ok {
		// (A retryable failure is the sender's to settle with its resend: conversation_resend.go.)
		if st.CallbackData != "" && !(st.Retryable && st.Error != nil) {
			if _, known := c.log.lookup(outboundKey(st.CallbackData)); !known {
				// Our id, on a message this conversation does not know: a crash lost the
				// record of a message Meta accepted (or the message is older than the index
				// remembers, and the sender, which settled it long ago, ignores this). For a
				// message being reconciled it is evidence now, not only once the record is
				// restored, which a conversation that cannot write may not see for a while.
				c.evidence = append(c.evidence, OutboundEvidence{MessageID: st.CallbackData, WAMID: st.WAMID})
			}
		}
		c.s.HeldOrder = append(c.s.HeldOrder, st.WAMID)
		for len(c.s.HeldOrder) > maxHeldWAMIDs {
			delete(c.s.Held, c.s.HeldOrder[0])
			delete(c.s.HeldAt, c.s.HeldOrder[0])
			c.s.HeldOrder = c.s.HeldOrder[1:]
		}
	}
	for _, h := range c.s.Held[st.WAMID] {
		if h.Status == st.Status {
			return // duplicate delivery of a held status
		}
	}
	c.s.Held[st.WAMID] = append(c.s.Held[st.WAMID], st)
}

// expireHeld drops the statuses held longer than their life (heldOursFor, heldForeignFor)
// and dates the ones held since the last pass. It reports whether it dropped any; the drop
// rides the conversation's next flush (a reload would only drop them again).
func (c *conversation) expireHeld(now time.Time) bool {
	if len(c.s.HeldOrder) == 0 {
		return false
	}
	if c.s.HeldAt == nil {
		c.s.HeldAt = map[string]time.Time{}
	}
	dropped := false
	kept := c.s.HeldOrder[:0]
	for _, w := range c.s.HeldOrder {
		at, dated := c.s.HeldAt[w]
		switch {
		case !dated:
			c.s.HeldAt[w] = now
		case now.Sub(at) >= c.heldLife(w):
			delete(c.s.Held, w)
			delete(c.s.HeldAt, w)
			dropped = true
			continue
		}
		kept = append(kept, w)
	}
	clear(c.s.HeldOrder[len(kept):])
	c.s.HeldOrder = kept
	return dropped
}

// heldLife is how long the statuses held for wamid are kept: long when one of them names
// our id, short otherwise (heldOursFor).
func (c *conversation) heldLife(wamid string) time.Duration {
	for _, st := range c.s.Held[wamid] {
		if st.CallbackData != "" {
			if c.heldOurs > 0 {
				return c.heldOurs
			}
			return heldOursFor
		}
	}
	return heldForeignFor
}

// heldFor returns the status a held wamid would have if its message arrived now: the best
// held status by the same rules as applyStatus (used by tests and by the outbound pipeline
// when it learns a wamid).
func (c *conversation) heldFor(wamid string) (Message, bool) {
	held, ok := c.s.Held[wamid]
	if !ok {
		return Message{}, false
	}
	m := Message{WAMID: wamid, Direction: Outbound, Status: StatusQueued}
	for _, st := range held {
		mergeStatus(&m, st)
	}
	return m, true
}

// addOutbound stores an outbound message and applies any statuses held for its wamid. It
// reports false when a message with that id is already stored.
func (c *conversation) addOutbound(m Message, now time.Time) bool {
	if _, dup := c.log.lookup(outboundKey(m.ID)); dup {
		return false
	}
	m.Direction = Outbound
	if m.CreatedAt.IsZero() {
		// The API's acceptance time when it has one: the 202 showed it, and a GET must
		// show the same.
		m.CreatedAt = now
	}
	if m.Status == "" {
		m.Status = StatusQueued
	}
	if at := m.Timestamp; m.Type == "template" && !at.IsZero() && !c.s.Summary.WindowOpen(at) && at.After(c.s.Summary.LastInitiatedAt) {
		// Business-initiated: it counts against the messaging limit (messaging_limit.go).
		c.markInitiated(m.ID, at)
	}
	pos := c.log.append(m)
	c.log.index[outboundKey(m.ID)] = pos
	c.s.Summary.MessageCount = c.log.count
	switch {
	case m.WAMID != "":
		c.releaseHeld(pos, m.WAMID)
	case len(c.s.Held) > 0:
		c.adoptHeldByCallback(pos, m.ID)
	}
	c.expireHeld(now)
	last, _ := c.log.at(pos)
	c.noteLast(*last)
	return true
}

// outboundKey indexes outbound messages by the engine's id beside the wamids; a wamid never
// starts with '#'.
func outboundKey(id string) string { return "#" + id }

// adoptHeldByCallback gives the new outbound message at pos the wamid of statuses held
// because they named its id (callback data) before the conversation had it — after a crash
// lost the conversation's record of a message that reached Meta, the sender restores it
// only once the restarted node is up, and Meta's retried webhooks may come first. Like
// matchCallback, this is evidence the message reached Meta, for the sender reconciling it.
func (c *conversation) adoptHeldByCallback(pos int, id string) {
	m, err := c.log.at(pos)
	if err != nil {
		return
	}
	wamid, ok := c.heldByCallback(id, m.RetractedWAMIDs)
	if !ok {
		return
	}
	c.learnWAMID(pos, m, wamid)
	c.evidence = append(c.evidence, OutboundEvidence{MessageID: id, WAMID: wamid})
}

// heldByCallback is the wamid of the first held status that names message id as its
// callback data, but for the wamids in skip (retracted attempts).
func (c *conversation) heldByCallback(id string, skip []string) (string, bool) {
	for _, wamid := range c.s.HeldOrder {
		if slices.Contains(skip, wamid) {
			continue
		}
		for _, st := range c.s.Held[wamid] {
			if st.CallbackData == id {
				return wamid, true
			}
		}
	}
	return "", false
}

// releaseHeld applies the statuses held for wamid to the message at pos.
func (c *conversation) releaseHeld(pos int, wamid string) {
	held, ok := c.s.Held[wamid]
	if !ok {
		return
	}
	m, err := c.log.at(pos)
	if err != nil {
		return
	}
	for _, st := range held {
		mergeStatus(m, st)
	}
	c.log.touch(pos)
	delete(c.s.Held, wamid)
	delete(c.s.HeldAt, wamid)
	for i, w := range c.s.HeldOrder {
		if w == wamid {
			c.s.HeldOrder = append(c.s.HeldOrder[:i], c.s.HeldOrder[i+1:]...)
			break
		}
	}
}

// markRead zeroes the unread count; it reports whether anything changed.
func (c *conversation) markRead() bool {
	if c.s.Summary.UnreadCount == 0 {
		return false
	}
	c.s.Summary.UnreadCount = 0
	return true
}

// assign sets the agent; it reports whether anything changed.
func (c *conversation) assign(agentID string) bool {
	if c.s.Summary.AssignedTo == agentID {
		return false
	}
	c.s.Summary.AssignedTo = agentID
	return true
}

// messagesBefore returns page (1 = newest) of limit messages among those before position end
// (the message count, or a cursor below it), oldest first within the page, and the position
// of the page's first message (end when the page is empty).
func (c *conversation) messagesBefore(end, page, limit int) ([]Message, int, error) {
	end = min(end, c.log.count)
	skip := persistence.Page{Page: page, Limit: limit}.Skip()
	if page < 1 || limit < 1 || end < 1 || skip >= end {
		return []Message{}, end, nil
	}
	to := end - skip
	from := max(0, to-limit)
	msgs, err := c.log.page(from, to)
	return msgs, from, err
}
