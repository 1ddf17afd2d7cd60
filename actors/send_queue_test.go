package actors

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

func queuedItem(id, recipient string) *outItem {
	return &outItem{row: persistence.OutboxMessage{ID: id, Recipient: recipient}}
}

// drain takes everything that may go at now, finishing each at once.
func drain(q *sendQueue, now time.Time) []string {
	var ids []string
	for it := q.next(now); it != nil; it = q.next(now) {
		ids = append(ids, it.row.ID)
		q.finish(it, now)
	}
	return ids
}

func TestSendQueueKeepsEachCustomersOrder(t *testing.T) {
	q := newSendQueue(6*time.Second, 45)
	for i := range 3 {
		q.push(queuedItem(fmt.Sprint("ana", i), "+ana"), t0)
		q.push(queuedItem(fmt.Sprint("bob", i), "+bob"), t0)
	}
	// A lane sends one message at a time: the second of a lane waits for the first.
	first := q.next(t0)
	second := q.next(t0)
	if first.row.ID != "ana0" || second.row.ID != "bob0" || q.next(t0) != nil {
		t.Fatalf("first round: %v %v", first.row.ID, second.row.ID)
	}
	// ana0 is retried: it stays the head of Ana's lane, bob goes on.
	first.notBefore = t0.Add(time.Second)
	q.release(first, t0)
	q.finish(second, t0)
	if got := drain(q, t0); fmt.Sprint(got) != "[bob1 bob2]" {
		t.Fatalf("while ana0 waits: %v", got)
	}
	if at, ok := q.wake(); !ok || !at.Equal(t0.Add(time.Second)) {
		t.Fatalf("wake %v %v", at, ok)
	}
	if got := drain(q, t0.Add(time.Second)); fmt.Sprint(got) != "[ana0 ana1 ana2]" {
		t.Fatalf("after the wait: %v", got)
	}
	if q.queued != 0 || len(q.lanes) != 2 {
		t.Fatalf("queued %d lanes %d", q.queued, len(q.lanes))
	}
	q.sweep(t0.Add(time.Hour))
	if len(q.lanes) != 0 {
		t.Fatalf("%d lanes left after their buckets refilled", len(q.lanes))
	}
}

func TestSendQueuePairLimitHoldsOnlyThatCustomer(t *testing.T) {
	q := newSendQueue(6*time.Second, 2)
	for i := range 4 {
		q.push(queuedItem(fmt.Sprint("ana", i), "+ana"), t0)
	}
	q.push(queuedItem("bob0", "+bob"), t0)
	if got := drain(q, t0); fmt.Sprint(got) != "[ana0 bob0 ana1]" {
		t.Fatalf("burst of 2 for Ana: %v", got)
	}
	// The burst was borrowed: two messages owe two intervals, and the sender's margin for
	// jitter on the way to Meta (half a second at 6 s).
	if at, _ := q.wake(); !at.Equal(t0.Add(12*time.Second + 500*time.Millisecond)) {
		t.Fatalf("Ana's next message at +%s", at.Sub(t0))
	}
	if got := drain(q, t0.Add(12*time.Second+500*time.Millisecond)); fmt.Sprint(got) != "[ana2 ana3]" {
		t.Fatalf("once the debt is paid, a new burst: %v", got)
	}
	// Meta refuses ana4 (131056): Ana waits 4^0 = 1 s more, nobody else does.
	q.push(queuedItem("ana4", "+ana"), t0.Add(12*time.Second+500*time.Millisecond))
	it := q.next(t0.Add(25 * time.Second))
	wait := q.pairOf("+ana").refused(t0.Add(25*time.Second), nil)
	it.notBefore = t0.Add(25 * time.Second)
	q.release(it, t0.Add(25*time.Second))
	if wait != time.Second || q.next(t0.Add(25*time.Second)) != nil {
		t.Fatalf("refused recipient not held: wait %s", wait)
	}
}

func TestSendQueueTakeRemovesAWaitingMessage(t *testing.T) {
	q := newSendQueue(time.Second, 10)
	a, b := queuedItem("a", "+x"), queuedItem("b", "+x")
	q.push(a, t0)
	q.push(b, t0)
	head := q.next(t0)
	if q.take(head, t0) {
		t.Fatal("took a message in flight")
	}
	if !q.take(b, t0) || q.queued != 1 {
		t.Fatal("could not take a waiting message")
	}
	q.finish(head, t0)
	if q.next(t0) != nil || q.queued != 0 {
		t.Fatal("taken message still queued")
	}
}

// A head withdrawn unsent (it expired) gives its pair-limit message back: with a burst of
// one, the customer's next message goes at once instead of a pair interval later. A head
// finished after Meta saw it keeps the message spent.
func TestSendQueueWithdrawGivesThePairMessageBack(t *testing.T) {
	for _, c := range []struct {
		name     string
		withdraw bool
		want     string
	}{{"withdrawn unsent", true, "[ana1]"}, {"sent", false, "[]"}} {
		t.Run(c.name, func(t *testing.T) {
			q := newSendQueue(6*time.Second, 1)
			q.push(queuedItem("ana0", "+ana"), t0)
			q.push(queuedItem("ana1", "+ana"), t0)
			head := q.next(t0)
			if c.withdraw {
				q.withdraw(head, t0)
			} else {
				q.finish(head, t0)
			}
			if got := drain(q, t0); fmt.Sprint(got) != c.want {
				t.Fatalf("after the head: %v, want %s", got, c.want)
			}
		})
	}
}

// A head held back unsent (an account restriction refuses it for now) gives its pair-limit
// message back, so it goes as soon as it may; a head released for a retry after Meta saw it
// keeps the message spent. Burst of one: a spent message holds the pair for an interval.
func TestSendQueueHoldBackGivesThePairMessageBack(t *testing.T) {
	for _, c := range []struct {
		name     string
		held     bool
		wantSoon string // what may go a second later
	}{{"held back unsent", true, "[ana0]"}, {"released for a retry", false, "[]"}} {
		t.Run(c.name, func(t *testing.T) {
			q := newSendQueue(6*time.Second, 1)
			q.push(queuedItem("ana0", "+ana"), t0)
			head := q.next(t0)
			head.notBefore = t0.Add(time.Second)
			if c.held {
				q.holdBack(head, t0)
			} else {
				q.release(head, t0)
			}
			if got := drain(q, t0.Add(time.Second)); fmt.Sprint(got) != c.wantSoon {
				t.Fatalf("a second later: %v, want %s", got, c.wantSoon)
			}
		})
	}
}

// A message a cancel took out goes back where it was when the cancel is not written: after
// the messages accepted before it, never ahead of the lane's busy head.
func TestSendQueueRestoreKeepsTheOrder(t *testing.T) {
	at := func(id string, sec int) *outItem {
		it := queuedItem(id, "+ana")
		it.row.CreatedAt = t0.Add(time.Duration(sec) * time.Second)
		return it
	}
	for _, tc := range []struct {
		name     string
		busyHead bool
		lane     []int // seconds of the lane's messages m0, m1, …
		restored int   // seconds of the restored message
		want     string
	}{
		{"between two", false, []int{1, 3}, 2, "[m0 x m1]"},
		{"first of an idle lane", false, []int{3, 4}, 2, "[x m0 m1]"},
		{"never ahead of a busy head", true, []int{3, 4}, 2, "[m0 x m1]"},
		{"last", false, []int{1, 2}, 3, "[m0 m1 x]"},
		{"alone", false, nil, 2, "[x]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newSendQueue(6*time.Second, 45)
			for i, sec := range tc.lane {
				q.push(at(fmt.Sprint("m", i), sec), t0)
			}
			var head *outItem
			if tc.busyHead {
				head = q.next(t0)
			}
			x := at("x", tc.restored)
			q.restore(x, t0)
			l := q.lanes["+ana"]
			var ids []string
			for _, it := range l.items {
				ids = append(ids, it.row.ID)
			}
			if got := fmt.Sprint(ids); got != tc.want || q.queued != len(tc.lane)+1 {
				t.Fatalf("lane %s (%d queued), want %s", got, q.queued, tc.want)
			}
			// The lane still sends its head first, one at a time.
			if head != nil {
				q.finish(head, t0)
			}
			if next := q.next(t0); next == nil || next.row.ID != l.items[0].row.ID {
				t.Fatalf("next after restore: %v", next)
			}
		})
	}
}
