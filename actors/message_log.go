package actors

import (
	"fmt"
	"slices"
	"time"
)

// BucketSize is how many messages one stored bucket holds. Position p lives in bucket
// p/BucketSize, so any page is found without an index. Small enough that rewriting the open
// bucket on every flush stays cheap, large enough that a conversation is few documents.
const BucketSize = 16

// Dedupe and memory windows of an active conversation.
const (
	// indexWindow is how many recent wamids are remembered for dedupe and status matching.
	// Meta's retries come within hours; a duplicate older than this many messages would be
	// stored again (README, "Limits").
	indexWindow = 1024
	// activationMessages is how many recent messages an activation loads to rebuild the
	// dedupe index (in whole buckets).
	activationMessages = 128
	activationBuckets  = activationMessages / BucketSize
	// residentBuckets bounds how many clean buckets stay in memory.
	residentBuckets = activationBuckets
	// lookupWindow is how far back GetMessage looks for a message by id: the dedupe window.
	// A miss reads up to lookupWindow/BucketSize buckets, so it stays bounded.
	lookupWindow = indexWindow
	// maxRecallIndex bounds the index while a recall (Deliver.Since) keeps older messages in
	// it: a full index, what one recall reads, and the messages stored while it lasts.
	maxRecallIndex = 4 * indexWindow
)

// loadBucket reads one stored bucket's messages; missing buckets are an error.
type loadBucket func(seq int) ([]Message, error)

// loadBuckets reads the stored buckets of [from, to) at once, by seq; a seq never stored is
// absent (read as empty).
type loadBuckets func(from, to int) (map[int][]Message, error)

// messageLog is a conversation's messages: an append-only sequence cut into buckets, with
// the recent buckets in memory, the wamid index, and the set of buckets changed since the
// last flush.
type messageLog struct {
	count   int
	buckets map[int][]Message
	// enc caches each resident message's JSON; nil entries are new or changed. A flush then
	// encodes only what changed, not the whole open bucket every time.
	enc   map[int][][]byte
	dirty map[int]bool
	index map[string]int // wamid → position
	// indexedFrom is the oldest position from which on every message is indexed (trimIndex
	// and an activation's warm raise it, recall lowers it); recalled is the earliest time
	// recall covered since (zero: none), so a conversation's redeliveries read the store once,
	// and recalledAt the count when it did (trimIndex keeps what it indexed for a while).
	indexedFrom int
	recalled    time.Time
	recalledAt  int
	load        loadBucket
	// loadMany, when set, reads the buckets an activation warms, a page or a search needs
	// in one go (on MongoDB two reads instead of two a bucket: prefetch, storedDown);
	// without it they are read one by one.
	loadMany loadBuckets
	// changed holds the positions of messages added or changed since the last takeChanged,
	// and published is the count at that moment (positions at or beyond it are new): what
	// the next flush publishes as message events once it is durable.
	changed   map[int]bool
	published int
}

func newMessageLog(count int, load loadBucket) *messageLog {
	return &messageLog{
		count: count, load: load, published: count, indexedFrom: count,
		buckets: map[int][]Message{}, enc: map[int][][]byte{}, dirty: map[int]bool{}, index: map[string]int{},
		changed: map[int]bool{},
	}
}

// warm loads the most recent buckets and indexes their wamids (activation).
func (l *messageLog) warm() error {
	if l.count == 0 {
		return nil
	}
	last := (l.count - 1) / BucketSize
	first := max(0, last-activationBuckets+1)
	l.indexedFrom = first * BucketSize
	if err := l.prefetch(l.indexedFrom, l.count); err != nil {
		return err
	}
	for seq := first; seq <= last; seq++ {
		msgs, err := l.bucket(seq)
		if err != nil {
			return err
		}
		for i, m := range msgs {
			if m.WAMID != "" {
				l.index[m.WAMID] = seq*BucketSize + i
			}
			if m.Direction == Outbound {
				l.index[outboundKey(m.ID)] = seq*BucketSize + i
			}
		}
	}
	return nil
}

func (l *messageLog) bucket(seq int) ([]Message, error) {
	if b, ok := l.buckets[seq]; ok {
		return b, nil
	}
	b, err := l.load(seq)
	if err != nil {
		return nil, fmt.Errorf("load bucket %d: %w", seq, err)
	}
	return l.keep(seq, b), nil
}

// keep makes the stored bucket seq resident and returns it.
func (l *messageLog) keep(seq int, b []Message) []Message {
	// On MongoDB a commit writes buckets before the snapshot, so a crash between the two
	// leaves messages stored beyond the snapshot's count. Nobody was told they were stored
	// (the grain answers after both writes), so their inbox entries are still pending and
	// replay delivers them again: drop them here rather than index them as already seen.
	if keep := l.count - seq*BucketSize; len(b) > keep {
		b = b[:max(0, keep)]
		l.dirty[seq] = true
	}
	l.buckets[seq] = b
	l.enc[seq] = make([][]byte, len(b))
	return b
}

// append adds m at the end and returns its position.
func (l *messageLog) append(m Message) int {
	pos := l.count
	seq := pos / BucketSize
	l.buckets[seq] = append(l.buckets[seq], m)
	l.enc[seq] = append(l.enc[seq], nil)
	l.dirty[seq] = true
	l.changed[pos] = true
	l.count++
	if m.WAMID != "" {
		l.index[m.WAMID] = pos
	}
	l.trimIndex()
	return pos
}

// lookup finds a recent message by wamid.
func (l *messageLog) lookup(wamid string) (int, bool) {
	pos, ok := l.index[wamid]
	return pos, ok
}

// find returns the message named id — the engine's id of an outbound message, any message's
// wamid, or the wamid of an earlier attempt of an outbound message that Meta failed and the
// engine sent again (RetractedWAMIDs) — among the last window messages. The index answers
// recent ones; beyond it (after an activation it holds only the last activationMessages), the
// buckets are searched newest first (scan). A retracted wamid is not indexed (its statuses no
// longer describe the message), so it is found by the scan: a client that kept the wamid of
// the first message.status event still finds the message.
func (l *messageLog) find(id string, window int) (Message, bool, error) {
	if id == "" || l.count == 0 {
		return Message{}, false, nil
	}
	named := func(m *Message) bool {
		return m.WAMID == id || (m.Direction == Outbound && (m.ID == id || slices.Contains(m.RetractedWAMIDs, id)))
	}
	for _, key := range []string{outboundKey(id), id} {
		if pos, ok := l.index[key]; ok {
			if m, err := l.at(pos); err == nil && named(m) {
				return *m, true, nil
			}
		}
	}
	_, m, ok, err := l.scan(named, window)
	return m, ok, err
}

// findOutbound returns the position of the outbound message whose engine id is id among the
// last window messages, and indexes it: the index first, then the buckets (scan). A sender's
// outcome names messages the index may have forgotten (one that waited while the
// conversation went on, after an activation), and restoring such a message as lost would
// add a second copy of it.
func (l *messageLog) findOutbound(id string, window int) (int, bool, error) {
	if pos, ok := l.index[outboundKey(id)]; ok || id == "" || l.count == 0 {
		return pos, ok, nil
	}
	pos, _, ok, err := l.scan(func(m *Message) bool { return m.Direction == Outbound && m.ID == id }, window)
	if ok {
		l.index[outboundKey(id)] = pos
	}
	return pos, ok, err
}

// scan searches the last window messages, newest first, for one named reports. A bucket not
// in memory is read from the store and not kept: only clean, durable buckets ever leave
// memory, so the stored copy is current, and a lookup must not fill the conversation's
// memory.
func (l *messageLog) scan(named func(*Message) bool, window int) (int, Message, bool, error) {
	floor := max(0, l.count-window)
	ahead := map[int][]Message{}
	for seq := (l.count - 1) / BucketSize; seq >= floor/BucketSize; seq-- {
		b, ok := l.buckets[seq]
		if !ok {
			stored, err := l.storedDown(seq, floor/BucketSize, ahead)
			if err != nil {
				return 0, Message{}, false, fmt.Errorf("load bucket %d: %w", seq, err)
			}
			b = stored[:min(len(stored), l.count-seq*BucketSize)] // as bucket() trims
		}
		for i := len(b) - 1; i >= 0; i-- {
			if pos := seq*BucketSize + i; pos >= floor && named(&b[i]) {
				return pos, b[i], true, nil
			}
		}
	}
	return 0, Message{}, false, nil
}

// storedDown reads stored bucket seq for a search walking down to bucket floor, without
// keeping it. With loadMany it reads seq and the activationBuckets-1 below it (not below
// floor) in one go into ahead, where the walk finds them next: a search that reads many
// buckets costs a read per range, not per bucket. Buckets in memory it reads as well are
// never taken from ahead (the walk takes those from memory).
func (l *messageLog) storedDown(seq, floor int, ahead map[int][]Message) ([]Message, error) {
	if b, ok := ahead[seq]; ok {
		return b, nil
	}
	if l.loadMany == nil {
		return l.load(seq)
	}
	from := max(floor, seq-activationBuckets+1)
	got, err := l.loadMany(from, seq+1)
	if err != nil {
		return nil, err
	}
	for s := from; s <= seq; s++ {
		ahead[s] = got[s] // absent: never stored, read as empty (as the grain's load does)
	}
	return ahead[seq], nil
}

// at returns the message at pos for reading or changing; callers that change it call touch.
func (l *messageLog) at(pos int) (*Message, error) {
	if pos < 0 || pos >= l.count {
		return nil, fmt.Errorf("position %d outside 0..%d", pos, l.count-1)
	}
	b, err := l.bucket(pos / BucketSize)
	if err != nil {
		return nil, err
	}
	i := pos % BucketSize
	if i >= len(b) {
		return nil, fmt.Errorf("position %d missing from bucket %d (%d stored)", pos, pos/BucketSize, len(b))
	}
	return &b[i], nil
}

// touch marks pos's message changed, for the next flush.
func (l *messageLog) touch(pos int) {
	seq, i := pos/BucketSize, pos%BucketSize
	l.dirty[seq] = true
	l.changed[pos] = true
	if e := l.enc[seq]; i < len(e) {
		e[i] = nil
	}
}

// setWAMID records the wamid Meta assigned to an outbound message.
func (l *messageLog) setWAMID(pos int, wamid string) {
	l.index[wamid] = pos
	l.touch(pos)
}

// dropWAMID forgets a wamid that no longer names its message (a retracted attempt).
func (l *messageLog) dropWAMID(wamid string) { delete(l.index, wamid) }

func (l *messageLog) trimIndex() {
	if len(l.index) <= indexWindow*2 {
		return
	}
	// Redeliveries come in runs (a backlog replayed after a crash, a crashed peer's entries
	// swept), and a recall fills the index past its bound at once: trimmed at the next
	// message, it was forgotten, and the next redelivery read up to 64 buckets again. What a
	// recall indexed stays while the conversation stores its next indexWindow messages.
	if !l.recalled.IsZero() && l.count-l.recalledAt < indexWindow && len(l.index) <= maxRecallIndex {
		return
	}
	floor := l.count - indexWindow
	for w, p := range l.index {
		if p < floor {
			delete(l.index, w)
		}
	}
	if floor > l.indexedFrom {
		l.indexedFrom, l.recalled = floor, time.Time{}
	}
}

// recall indexes the messages stored since `since` that the index no longer names, newest
// first, reading at most lookupWindow/BucketSize stored buckets (as find does): a delivery
// that may repeat one applied since then (Deliver.Since) is then deduped against all of them,
// not only against the last 1,024 (128 after an activation). Inbound messages are stored in
// time order (their CreatedAt is when the conversation stored them), so the first one older
// than since ends the search (an outbound message's is its send request's, which a restored
// record may carry from long before). A wamid already indexed keeps its newer position.
func (l *messageLog) recall(since time.Time) error {
	if !l.recalled.IsZero() && !since.Before(l.recalled) {
		return nil
	}
	// The oldest message indexed is older than since (in memory after an activation): the
	// index names all there is to recall.
	if b, ok := l.buckets[l.indexedFrom/BucketSize]; ok {
		if i := l.indexedFrom % BucketSize; l.indexedFrom < l.count && i < len(b) && storedBefore(&b[i], since) {
			l.recalled = since
			return nil
		}
	}
	l.recalledAt = l.count
	ahead := map[int][]Message{}
	for reads := 0; l.indexedFrom > 0 && reads < lookupWindow/BucketSize; {
		seq := (l.indexedFrom - 1) / BucketSize
		b, ok := l.buckets[seq]
		if !ok {
			stored, err := l.storedDown(seq, max(0, seq-(lookupWindow/BucketSize-reads)+1), ahead)
			if err != nil {
				return fmt.Errorf("recall bucket %d: %w", seq, err)
			}
			b = stored[:min(len(stored), l.count-seq*BucketSize)] // as bucket() trims
			reads++
		}
		for i := min(len(b), l.indexedFrom-seq*BucketSize) - 1; i >= 0; i-- {
			if storedBefore(&b[i], since) {
				l.recalled = since
				return nil
			}
			l.indexedFrom = seq*BucketSize + i
			l.indexOld(&b[i], l.indexedFrom)
		}
		l.indexedFrom = seq * BucketSize // on, even past a bucket stored short
	}
	// At the first message, or as far as one recall reads: a later recall since no earlier
	// time reads nothing more.
	l.recalled = since
	return nil
}

// storedBefore reports whether m is an inbound message stored before t.
func storedBefore(m *Message, t time.Time) bool {
	return m.Direction != Outbound && m.CreatedAt.Before(t)
}

// indexOld indexes an older message at pos, unless its keys name a newer one.
func (l *messageLog) indexOld(m *Message, pos int) {
	keys := [2]string{m.WAMID}
	if m.Direction == Outbound {
		keys[1] = outboundKey(m.ID)
	}
	for _, k := range keys {
		if _, newer := l.index[k]; k != "" && !newer {
			l.index[k] = pos
		}
	}
}

// dirtyBucket is one changed bucket, encoded and ready to store: every message's JSON, and
// the positions in it of those encoded since the last flush (a store that keeps messages
// apart writes only those; persistence.Bucket.Parts).
type dirtyBucket struct {
	seq     int
	count   int
	parts   [][]byte
	changed []int
}

// takeDirty encodes the changed buckets (re-encoding only changed messages) and clears the
// dirty set; clean buckets beyond the resident window leave memory.
func (l *messageLog) takeDirty() ([]dirtyBucket, error) {
	out := make([]dirtyBucket, 0, len(l.dirty))
	for seq := range l.dirty {
		msgs, enc := l.buckets[seq], l.enc[seq]
		var changed []int
		for i := range msgs {
			if enc[i] == nil {
				b, err := marshal(&msgs[i])
				if err != nil {
					return nil, fmt.Errorf("encode message %d: %w", seq*BucketSize+i, err)
				}
				enc[i] = b
				changed = append(changed, i)
			}
		}
		// The encodings are never changed once made (a changed message gets a new one), but
		// enc itself is: the store gets its own slice of them.
		out = append(out, dirtyBucket{seq: seq, count: len(msgs), parts: append([][]byte(nil), enc...), changed: changed})
	}
	// Only buckets that were clean may leave: one flushed now stays until a later flush, so
	// no read can fetch its stored (older) copy while this flush is still in flight.
	open := l.count / BucketSize
	for seq := range l.buckets {
		if seq <= open-residentBuckets && !l.dirty[seq] {
			delete(l.buckets, seq)
			delete(l.enc, seq)
		}
	}
	clear(l.dirty)
	return out, nil
}

// takeChanged returns the messages added or changed since the last call, in log order, as
// events, and starts a new set. Called with takeDirty, by the flush that will store them.
func (l *messageLog) takeChanged(tenantID, conversationID string) []MessageEvent {
	if len(l.changed) == 0 {
		l.published = l.count
		return nil
	}
	positions := make([]int, 0, len(l.changed))
	for pos := range l.changed {
		positions = append(positions, pos)
	}
	slices.Sort(positions)
	out := make([]MessageEvent, 0, len(positions))
	for _, pos := range positions {
		m, err := l.at(pos)
		if err != nil {
			continue // a bucket that cannot be read has nothing to announce
		}
		typ := EventMessageStatus
		if pos >= l.published {
			typ = EventMessageNew
		}
		out = append(out, MessageEvent{Type: typ, TenantID: tenantID, ConversationID: conversationID, Message: *m})
	}
	clear(l.changed)
	l.published = l.count
	return out
}

// page returns messages [from, to) in order, loading buckets as needed.
func (l *messageLog) page(from, to int) ([]Message, error) {
	if err := l.prefetch(from, min(to, l.count)); err != nil {
		return nil, err
	}
	out := make([]Message, 0, max(0, to-from))
	for pos := from; pos < to; pos++ {
		m, err := l.at(pos)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, nil
}

// prefetch makes the buckets of positions [from, to) resident, as bucket does, reading the
// span of those not in memory in one go (loadMany): a page of older messages costs a read,
// not one a bucket. Without loadMany, bucket reads them as the page needs them.
func (l *messageLog) prefetch(from, to int) error {
	if l.loadMany == nil || from >= to {
		return nil
	}
	resident := func(seq int) bool { _, ok := l.buckets[seq]; return ok }
	lo, hi := from/BucketSize, (to-1)/BucketSize
	for lo <= hi && resident(lo) {
		lo++
	}
	for hi >= lo && resident(hi) {
		hi--
	}
	if lo > hi {
		return nil
	}
	stored, err := l.loadMany(lo, hi+1)
	if err != nil {
		return fmt.Errorf("load buckets %d to %d: %w", lo, hi, err)
	}
	for seq := lo; seq <= hi; seq++ {
		if !resident(seq) {
			l.keep(seq, stored[seq])
		}
	}
	return nil
}
