package actors

import (
	"container/heap"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Meta's messaging limit (WHATSAPP.md §3): the most unique users a business may message
// outside their customer service window — business-initiated messages, which can only be
// templates — in a moving 24 hours. Meta sets it per business portfolio (TIER_250,
// TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED) and documents no error for exceeding it:
// the excess fails or is dropped, and the number's quality pays. So the tenant counts the
// recipients itself and refuses, at the API, a template to a new recipient that would
// exceed the tier (429 messaging_limit_reached, Retry-After when the oldest recipient
// leaves the 24 hours). Repeats to a recipient already counted, and templates inside an
// open window, are not limited.
//
// The tier is the newest Meta reported (business_capability_update,
// phone_number_quality_update, or the number's fields as GET /tenants/:id/status reads
// them); until one arrives the engine does not limit. The count is rebuilt at activation
// from the conversations' summaries (LastInitiatedAt), so it survives restarts; a crash can
// forget sends accepted in the conversations' write-behind (100 ms) until their outcome
// restores the record. It holds at most one entry per conversation the tenant has.

// MessagingLimitWindow is the moving window the messaging limit counts unique users in.
const MessagingLimitWindow = 24 * time.Hour

// MessagingLimitOf reads a tier as Meta writes it: "TIER_250", "TIER_2K", "TIER_100K",
// "TIER_UNLIMITED", or a plain count (the legacy max_daily_conversation_per_phone). limit
// 0 means unlimited; ok is false for anything else, which the engine does not enforce.
func MessagingLimitOf(tier string) (limit int, ok bool) {
	t := strings.ToUpper(strings.TrimSpace(tier))
	t = strings.TrimPrefix(t, "TIER_")
	if t == "UNLIMITED" {
		return 0, true
	}
	mult := 1
	switch {
	case strings.HasSuffix(t, "K"):
		t, mult = strings.TrimSuffix(t, "K"), 1_000
	case strings.HasSuffix(t, "M"):
		t, mult = strings.TrimSuffix(t, "M"), 1_000_000
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || n > 1_000_000_000/mult {
		return 0, false
	}
	return n * mult, true
}

// Keys of business_capability_update carrying the messaging limit: the portfolio's (since
// late 2025) and the per-number one it replaced.
const (
	capabilityPerBusiness = "max_daily_conversations_per_business"
	capabilityPerPhone    = "max_daily_conversation_per_phone"
)

// messagingTierOf is the tier an event reports, or "" when it reports none.
func messagingTierOf(ev TenantEvent) string {
	switch {
	case ev.Quality != nil:
		if ev.Quality.MaxDaily != "" {
			return ev.Quality.MaxDaily
		}
		return ev.Quality.CurrentLimit
	case ev.Capability != nil:
		if v := ev.Capability[capabilityPerBusiness]; v != "" {
			return v
		}
		return ev.Capability[capabilityPerPhone]
	}
	return ""
}

// messagingLimit is the tenant's messaging limit: 0 when unlimited or not known.
func (t *TenantState) messagingLimit() int {
	n, _ := MessagingLimitOf(t.messagingTier())
	return n
}

// messagingTier is MessagingTier, or for state saved before it existed the newest tier
// among the remembered events.
func (t *TenantState) messagingTier() string {
	if t.MessagingTier != "" {
		return t.MessagingTier
	}
	ev, _ := t.newestOf(func(ev TenantEvent) bool { return messagingTierOf(ev) != "" })
	return messagingTierOf(ev)
}

// initiatedLedger is the recipients (conversations) a tenant messaged outside their window
// in the last MessagingLimitWindow, each with its latest such message. Two sources feed it:
// what each conversation reports (its summary's LastInitiatedAt, newest version wins, and
// it may move back: a template that never reached Meta is taken back), and the sender's
// own admissions the conversation has not reported yet (pending). A recipient counts from
// the later of the two. Expiry walks a min-heap of (time, conversation); an entry a later
// time superseded is skipped then.
type initiatedLedger struct {
	last     map[string]time.Time // what counts: max(reported, pending)
	reported map[string]time.Time
	pending  map[string]time.Time
	due      timeHeap[ledgerEntry]
}

// report takes a conversation's LastInitiatedAt from a summary newer than any before (zero:
// none). An admission it already reflects stops being pending.
func (l *initiatedLedger) report(conv string, at time.Time) {
	if _, counted := l.last[conv]; !counted && at.IsZero() {
		// The common case, on every flush of a conversation never messaged outside its
		// window: nothing to forget (both sources are nonzero only while last holds conv).
		return
	}
	l.ready()
	if at.IsZero() {
		delete(l.reported, conv)
	} else {
		l.reported[conv] = at
	}
	if p, ok := l.pending[conv]; ok && !p.After(at) {
		delete(l.pending, conv)
	}
	l.recount(conv)
}

// ready makes the maps a zero ledger lacks; every writer calls it first.
func (l *initiatedLedger) ready() {
	if l.last == nil {
		l.last, l.reported, l.pending = map[string]time.Time{}, map[string]time.Time{}, map[string]time.Time{}
	}
}

// withdraw takes back an admission at at that never reached Meta (canceled, expired, refused
// by Meta or by the store) if the conversation has not reported it; once it has, the
// conversation takes it back itself and reports the time before it.
func (l *initiatedLedger) withdraw(conv string, at time.Time) {
	if p, ok := l.pending[conv]; ok && p.Equal(at) {
		delete(l.pending, conv)
		l.recount(conv)
	}
}

// recount sets what counts for conv from its two sources.
func (l *initiatedLedger) recount(conv string) {
	at := l.reported[conv]
	if p := l.pending[conv]; p.After(at) {
		at = p
	}
	switch cur, ok := l.last[conv]; {
	case at.IsZero():
		delete(l.last, conv)
	case !ok || !cur.Equal(at):
		l.last[conv] = at
		heap.Push(&l.due, ledgerEntry{conv: conv, at: at})
		if len(l.due) > 2*len(l.last)+1024 {
			l.compact()
		}
	}
}

// expire forgets recipients whose latest business-initiated message is a window old, and
// superseded entries at the heap's head, so the head is the oldest counted recipient.
func (l *initiatedLedger) expire(now time.Time) {
	for len(l.due) > 0 {
		e := l.due[0]
		cur, ok := l.last[e.conv]
		live := ok && cur.Equal(e.at)
		if live && now.Before(e.at.Add(MessagingLimitWindow)) {
			return // the head is live: the oldest counted recipient
		}
		heap.Pop(&l.due)
		if live { // both sources are at most this old
			delete(l.last, e.conv)
			delete(l.reported, e.conv)
			delete(l.pending, e.conv)
		}
	}
}

// count is how many unique recipients the window holds at now.
func (l *initiatedLedger) count(now time.Time) int {
	l.expire(now)
	return len(l.last)
}

// admit counts a business-initiated message to conv, made at at, against limit (0: none). A
// recipient already counted is admitted (and its time moves on); a new one only below the
// limit. Refused, wait is how long until the oldest recipient leaves the window.
func (l *initiatedLedger) admit(conv string, at, now time.Time, limit int) (wait time.Duration, ok bool) {
	l.expire(now)
	if _, counted := l.last[conv]; !counted && limit > 0 && len(l.last) >= limit {
		return l.due[0].at.Add(MessagingLimitWindow).Sub(now), false
	}
	l.ready()
	if at.After(l.pending[conv]) {
		l.pending[conv] = at
	}
	l.recount(conv)
	return 0, true
}

// compact rebuilds the heap from the live entries once superseded ones dominate it.
func (l *initiatedLedger) compact() {
	l.due = l.due[:0]
	for conv, at := range l.last {
		l.due = append(l.due, ledgerEntry{conv: conv, at: at})
	}
	heap.Init(&l.due)
}

type ledgerEntry struct {
	conv string
	at   time.Time
}

func (e ledgerEntry) when() time.Time { return e.at }

// messagingLimitFull counts a template to conv against the tenant's messaging limit unless
// the tenant's copy of the conversation vouches for an open window (then the template is
// not business-initiated). It returns why and for how long a new recipient is refused, or
// "" when the send may go.
//
// An admitted template is remembered by its message id until its outcome (initiatedEnded),
// so one that never reaches Meta is taken back before its conversation reports it. admitted
// says whether this call made an admission, which the caller must give back (initiatedEnded)
// if the row turns out to be stored already (a repeated Idempotency-Key: replay). A message
// id admitted before and not yet ended is a repeat racing its first try: the first try's
// admission stands for both.
func (s *sender) messagingLimitFull(row persistence.OutboxMessage, now time.Time) (why string, wait time.Duration, admitted bool) {
	conv := row.ConversationID
	if s.windowOpen != nil && s.windowOpen(conv) {
		return "", 0, false
	}
	if _, pending := s.initiatedBy[row.ID]; pending {
		return "", 0, false
	}
	limit := s.state.messagingLimit()
	wait, ok := s.initiated.admit(conv, row.CreatedAt, now, limit)
	if ok {
		if s.initiatedBy == nil {
			s.initiatedBy = map[string]time.Time{}
		}
		s.initiatedBy[row.ID] = row.CreatedAt
		return "", 0, true
	}
	return fmt.Sprintf("the business has messaged %d customers outside their service window in the last 24 hours, Meta's messaging limit (%s); "+
		"this customer's template must wait until one of them leaves the 24 hours", limit, s.state.messagingTier()), wait, false
}

// noteInitiated learns a conversation's latest business-initiated message from a summary
// newer than any the tenant had (it may have moved back: a template taken back), under key,
// the id sends name the conversation by (indexKey), which admissions use: a conversation
// stored under the other form of its number keeps that form in its summary's id.
func (s *sender) noteInitiated(key string, sum ConversationSummary) {
	s.initiated.report(key, sum.LastInitiatedAt)
}

// initiatedEnded forgets message id's admission against the messaging limit once its fate
// is known, and takes it back unless it reached Meta.
func (s *sender) initiatedEnded(id, conv string, reachedMeta bool) {
	at, ok := s.initiatedBy[id]
	if !ok {
		return
	}
	delete(s.initiatedBy, id)
	if !reachedMeta {
		s.initiated.withdraw(conv, at)
	}
}
