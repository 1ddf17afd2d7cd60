package actors

import (
	"container/heap"
	"time"
)

// sendQueue is one number's queued messages, in lanes by recipient. A lane sends one
// message at a time, head first, so a customer receives an agent's replies in the order
// they were written, even when one of them is retried; a lane held back (pair limit,
// backoff) never holds back other recipients. Lanes whose head may go now wait in a FIFO,
// the others in a heap by the time they may go.
type sendQueue struct {
	lanes   map[string]*lane
	ready   []laneRef
	waiting timeHeap[laneRef] // waiting lanes by the time they may go
	every   time.Duration     // pair limit
	burst   int
	queued  int // messages in lanes, busy heads included
	sending int // busy lanes: heads being sent or settled
	sweptAt time.Time
}

// lane is one recipient's messages and pair bucket.
type lane struct {
	recipient string
	items     []*outItem
	busy      bool   // the head is being sent or settled
	gen       uint64 // bumped on every (re)scheduling; stale refs are skipped
	pair      pairBucket
}

type laneRef struct {
	l   *lane
	gen uint64
	at  time.Time
}

func newSendQueue(pairEvery time.Duration, pairBurst int) *sendQueue {
	return &sendQueue{lanes: map[string]*lane{}, every: pairEvery, burst: pairBurst}
}

func (q *sendQueue) lane(recipient string) *lane {
	l, ok := q.lanes[recipient]
	if !ok {
		l = &lane{recipient: recipient, pair: newPairBucket(q.every)}
		q.lanes[recipient] = l
	}
	return l
}

// push appends a message to its recipient's lane.
func (q *sendQueue) push(it *outItem, now time.Time) {
	l := q.lane(it.row.Recipient)
	l.items = append(l.items, it)
	q.queued++
	if len(l.items) == 1 && !l.busy {
		q.schedule(l, now)
	}
}

// schedule puts an idle lane with messages where it belongs: ready or waiting.
func (q *sendQueue) schedule(l *lane, now time.Time) {
	l.gen++
	if l.busy || len(l.items) == 0 {
		return
	}
	at := l.pair.readyAt(now, q.every, q.burst)
	if nb := l.items[0].notBefore; nb.After(at) {
		at = nb
	}
	ref := laneRef{l: l, gen: l.gen, at: at}
	if at.After(now) {
		heap.Push(&q.waiting, ref)
	} else {
		q.ready = append(q.ready, ref)
	}
}

// promote moves lanes whose wait is over to ready.
func (q *sendQueue) promote(now time.Time) {
	for len(q.waiting) > 0 && !q.waiting[0].at.After(now) {
		ref := heap.Pop(&q.waiting).(laneRef)
		if ref.gen == ref.l.gen {
			q.schedule(ref.l, now)
		}
	}
}

// next takes the next message that may go now, marking its lane busy; nil if none.
func (q *sendQueue) next(now time.Time) *outItem {
	q.promote(now)
	for len(q.ready) > 0 {
		ref := q.ready[0]
		q.ready[0] = laneRef{}
		q.ready = q.ready[1:]
		l := ref.l
		if ref.gen != l.gen || l.busy || len(l.items) == 0 {
			continue
		}
		if l.items[0].notBefore.After(now) || !l.pair.take(now, q.every, q.burst) {
			q.schedule(l, now)
			continue
		}
		q.setBusy(l, true)
		l.gen++
		return l.items[0]
	}
	return nil
}

// finish removes a lane's busy head (sent, failed, unknown, or claimed elsewhere).
func (q *sendQueue) finish(it *outItem, now time.Time) {
	l, ok := q.lanes[it.row.Recipient]
	if !ok {
		return
	}
	for i, x := range l.items {
		if x == it {
			l.items = append(l.items[:i], l.items[i+1:]...)
			q.queued--
			if i == 0 {
				q.setBusy(l, false) // only the lane's own head frees it
			}
			q.schedule(l, now)
			q.forget(l, now)
			return
		}
	}
}

// withdraw removes a busy head that will never go to Meta (it expired in its lane), giving
// back the pair-limit message next spent on it: the customer's next message does not wait
// a pair interval for a message Meta never saw.
func (q *sendQueue) withdraw(it *outItem, now time.Time) {
	if l, ok := q.lanes[it.row.Recipient]; ok {
		l.pair.giveBack(q.every)
	}
	q.finish(it, now)
}

// restore puts back a message take removed (a cancel the store did not take): before the
// first message of its lane accepted after it, never before a busy head, so the customer
// still gets the lane's messages in the order they were written.
func (q *sendQueue) restore(it *outItem, now time.Time) {
	l := q.lane(it.row.Recipient)
	at := len(l.items)
	for i, x := range l.items {
		if (i > 0 || !l.busy) && x.row.CreatedAt.After(it.row.CreatedAt) {
			at = i
			break
		}
	}
	l.items = append(l.items[:at], append([]*outItem{it}, l.items[at:]...)...)
	q.queued++
	if at == 0 {
		q.schedule(l, now)
	}
}

// holdBack makes a busy head that did not go to Meta sendable again from it.notBefore (an
// account restriction holds it), giving back the pair-limit message next spent on it: looks
// at a held message are not messages Meta saw, and must not make the customer wait for them.
func (q *sendQueue) holdBack(it *outItem, now time.Time) {
	if l, ok := q.lanes[it.row.Recipient]; ok {
		l.pair.giveBack(q.every)
	}
	q.release(it, now)
}

// release makes a busy head sendable again from it.notBefore (a retry: Meta saw the attempt,
// so the pair-limit message it spent stays spent).
func (q *sendQueue) release(it *outItem, now time.Time) {
	l, ok := q.lanes[it.row.Recipient]
	if !ok {
		return
	}
	q.setBusy(l, false)
	q.schedule(l, now)
}

func (q *sendQueue) setBusy(l *lane, busy bool) {
	switch {
	case busy && !l.busy:
		q.sending++
	case !busy && l.busy:
		q.sending--
	}
	l.busy = busy
}

// idleQueued is how many messages wait in lanes (busy heads not counted).
func (q *sendQueue) idleQueued() int { return q.queued - q.sending }

// take removes a message that is waiting (not busy) from its lane: Meta turned out to have
// it already.
func (q *sendQueue) take(it *outItem, now time.Time) bool {
	l, ok := q.lanes[it.row.Recipient]
	if !ok {
		return false
	}
	for i, x := range l.items {
		if x == it {
			if i == 0 && l.busy {
				return false
			}
			l.items = append(l.items[:i], l.items[i+1:]...)
			q.queued--
			if i == 0 {
				q.schedule(l, now)
			}
			q.forget(l, now)
			return true
		}
	}
	return false
}

// free reports whether a message to recipient pushed now would be the next to go: its lane
// is idle and empty (or absent) and its pair bucket has a message.
func (q *sendQueue) free(recipient string, now time.Time) bool {
	l, ok := q.lanes[recipient]
	if !ok {
		return true
	}
	return !l.busy && len(l.items) == 0 && !l.pair.readyAt(now, q.every, q.burst).After(now)
}

// pairOf is the pair bucket of a recipient.
func (q *sendQueue) pairOf(recipient string) *pairBucket { return &q.lane(recipient).pair }

// wake is the earliest time a waiting lane may go; ok is false when none waits.
func (q *sendQueue) wake() (time.Time, bool) {
	for len(q.waiting) > 0 {
		ref := q.waiting[0]
		if ref.gen == ref.l.gen {
			return ref.at, true
		}
		heap.Pop(&q.waiting)
	}
	return time.Time{}, false
}

// forget drops an empty lane once its recipient's pair-limit debt is paid.
func (q *sendQueue) forget(l *lane, now time.Time) {
	if len(l.items) == 0 && !l.busy && l.pair.idle(now) {
		delete(q.lanes, l.recipient)
	}
}

// sweep forgets every empty lane whose debt is paid (a minute at most between sweeps
// keeps the map to the recipients of the last few minutes).
func (q *sendQueue) sweep(now time.Time) {
	if now.Sub(q.sweptAt) < time.Minute {
		return
	}
	q.sweptAt = now
	for _, l := range q.lanes {
		q.forget(l, now)
	}
}

func (r laneRef) when() time.Time { return r.at }
