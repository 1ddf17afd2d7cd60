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
	if at, _ := q.wake(); !at.Equal(t0.Add(6 * time.Second)) {
		t.Fatalf("Ana's next message at +%s", at.Sub(t0))
	}
	if got := drain(q, t0.Add(6*time.Second)); fmt.Sprint(got) != "[ana2]" {
		t.Fatalf("one per interval: %v", got)
	}
	// Meta refuses ana3 (131056): Ana waits 4^0 = 1 s more, nobody else does.
	it := q.next(t0.Add(12 * time.Second))
	wait := q.pairOf("+ana").refused(t0.Add(12*time.Second), nil)
	it.notBefore = t0.Add(12 * time.Second)
	q.release(it, t0.Add(12*time.Second))
	if wait != time.Second || q.next(t0.Add(12*time.Second)) != nil {
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
