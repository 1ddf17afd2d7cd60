package fakemeta

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/switchboard/switchboard/transport/graph"
)

// statusPost is one status webhook on its way to the callback: first posted at due, then
// retried on its own backoff.
type statusPost struct {
	due    time.Time
	seq    uint64 // posts due at the same moment go in the order they were queued
	wabaID string
	body   []byte
	// item is the status unserialised, when statuses are batched (StatusConfig.BatchWindow):
	// it joins its WABA's batch once due, and the batch's one post is serialised then.
	item *statusItem
	// closes marks the heap entry that ends an open batch at its due moment.
	closes *statusBatch
	// url and sig are fixed at the first attempt; wait is the backoff before the next one.
	url, sig string
	attempt  int
	wait     time.Duration
	// next is the message's following post (or duplicate), queued once this one's first
	// attempt is over.
	next *statusPost
}

// statusDeliveries posts status webhooks as Meta delivers them: concurrently, each retried
// on its own, so a retried sent can land after read (WHATSAPP.md §1.3). A heap holds the
// posts by due time; one goroutine hands the due ones to a fixed pool of workers
// (WebhookConfig.Concurrency), each making one attempt; a failed attempt goes back on the
// heap for its retry. However many sends are in flight, that is 1 + Concurrency goroutines.
//
// A message's posts are chained through their first attempts only: without failures they
// arrive in plan order (and ReorderRate's reversal is the order the receiver sees), while
// a failed one's retries no longer hold back the statuses after it.
type statusDeliveries struct {
	hooks       *webhookSender
	callbackFor func(wabaID string) string
	workers     int
	// window and splitEntries are StatusConfig's BatchWindow and SplitEntries; batches
	// are the open ones by WABA, which only the release goroutine touches.
	window       time.Duration
	splitEntries bool
	batches      map[string]*statusBatch

	start sync.Once
	mu    sync.Mutex
	queue postQueue
	seq   uint64
	// closed is set when the server closes: posts pushed after it are dropped, counted.
	closed bool
	wake   chan struct{} // a post became the earliest
}

func newStatusDeliveries(hooks *webhookSender, callbackFor func(string) string, workers int, sc StatusConfig) *statusDeliveries {
	return &statusDeliveries{hooks: hooks, callbackFor: callbackFor, workers: workers, wake: make(chan struct{}, 1),
		window: sc.BatchWindow, splitEntries: sc.SplitEntries, batches: map[string]*statusBatch{}}
}

// queueStatuses queues a message's chain of posts, starting its goroutines on first use.
func (s *Server) queueStatuses(first *statusPost) {
	d := s.statusPosts
	d.start.Do(func() {
		ready := make(chan *statusPost)
		s.goBackground(func() { d.release(s.bg, ready) })
		for range d.workers {
			s.goBackground(func() { d.work(s.bg, ready) })
		}
	})
	d.push(first)
}

func (d *statusDeliveries) push(p *statusPost) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.hooks.dropped.Add(chainLength(p))
		return
	}
	d.seq++
	p.seq = d.seq
	heap.Push(&d.queue, p)
	earliest := d.queue[0] == p
	d.mu.Unlock()
	if earliest {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// release hands each post to a worker once it is due, until ctx ends. Posts still queued
// then are abandoned, each counted as dropped (WebhookStats: "closed"): those waiting for
// a first attempt or a retry, and the follow-ons chained behind them.
func (d *statusDeliveries) release(ctx context.Context, ready chan<- *statusPost) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		var due *statusPost
		wait := time.Hour
		if len(d.queue) > 0 {
			if wait = time.Until(d.queue[0].due); wait <= 0 {
				due = heap.Pop(&d.queue).(*statusPost)
			}
		}
		d.mu.Unlock()
		if due != nil {
			if due = d.batch(due); due == nil {
				continue // it joined a batch
			}
			select {
			case ready <- due:
				continue
			case <-ctx.Done():
				d.push(due)
				d.abandon()
				return
			}
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-d.wake:
		case <-ctx.Done():
			d.abandon()
			return
		}
	}
}

// abandon drops every queued post and its follow-ons, and every post pushed from now on
// (a worker's attempt ending after ctx, a send arriving while the server closes): none of
// them vanishes uncounted.
func (d *statusDeliveries) abandon() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	for _, p := range d.queue {
		if p.closes != nil && p.closes.done {
			continue // the batch was posted when it filled up
		}
		d.hooks.dropped.Add(chainLength(p)) // an open batch is one webhook, its marker
	}
	d.queue = nil
}

// chainLength is how many posts p stands for: itself and the follow-ons chained behind it.
func chainLength(p *statusPost) int64 {
	n := int64(0)
	for ; p != nil; p = p.next {
		n++
	}
	return n
}

// work makes one attempt of each post it is handed until ctx ends.
func (d *statusDeliveries) work(ctx context.Context, ready <-chan *statusPost) {
	for {
		select {
		case p := <-ready:
			d.attempt(ctx, p)
		case <-ctx.Done():
			return
		}
	}
}

func (d *statusDeliveries) attempt(ctx context.Context, p *statusPost) {
	if p.attempt == 0 {
		p.url = d.callbackFor(p.wabaID)
		p.sig = graph.SignatureValue(d.hooks.secret, p.body)
		p.wait = d.hooks.cfg.Backoff
	}
	p.attempt++
	done, _ := d.hooks.try(ctx, p.url, p.body, p.sig, p.attempt) // failures are counted as dropped
	now := time.Now()
	if next := p.next; next != nil {
		p.next = nil
		next.due = later(next.due, now)
		d.push(next)
	}
	if !done {
		p.due = now.Add(p.wait)
		p.wait = d.hooks.nextWait(p.wait)
		d.push(p)
	}
}

// statusItem is one status as a webhook reports it: the number, the status and the
// contacts block it carries.
type statusItem struct {
	at       where
	status   hookStatus
	contacts []hookContact
}

// statusBatch is the statuses of one WABA coming due within one BatchWindow, posted as one
// webhook when the window ends or maxBatch is reached.
type statusBatch struct {
	wabaID string
	items  []*statusItem
	done   bool // posted (filled up before its window ended)
}

// maxBatch is Meta's largest batch: "a maximum of 1000 updates" (WHATSAPP.md §1.3).
const maxBatch = 1000

// batch takes a due post into its WABA's batch and returns what is to be posted now: the
// post itself when it is not batched (no BatchWindow, or a retry), a batch's one post when
// p ends the batch's window or fills it up, else nil. A batched status's follow-on (the
// message's next status) is released at once, so that it can join the same batch: a
// message's sent and delivered ride together when they come due within the window.
// Only the release goroutine calls it.
func (d *statusDeliveries) batch(p *statusPost) *statusPost {
	if b := p.closes; b != nil {
		if b.done {
			return nil
		}
		return d.post(b)
	}
	if p.item == nil || p.attempt > 0 {
		return p
	}
	b := d.batches[p.wabaID]
	if b == nil {
		b = &statusBatch{wabaID: p.wabaID}
		d.batches[p.wabaID] = b
		d.push(&statusPost{due: time.Now().Add(d.window), wabaID: p.wabaID, closes: b})
	}
	b.items = append(b.items, p.item)
	if next := p.next; next != nil {
		p.next = nil
		next.due = later(next.due, time.Now())
		d.push(next)
	}
	if len(b.items) >= maxBatch {
		return d.post(b)
	}
	return nil
}

// post closes batch b and makes its one webhook.
func (d *statusDeliveries) post(b *statusBatch) *statusPost {
	b.done = true
	delete(d.batches, b.wabaID)
	return &statusPost{due: time.Now(), wabaID: b.wabaID, body: batchBody(b.wabaID, b.items, d.splitEntries)}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// postQueue is a min-heap of posts by due time, then queueing order.
type postQueue []*statusPost

func (q postQueue) Len() int { return len(q) }
func (q postQueue) Less(i, j int) bool {
	if !q[i].due.Equal(q[j].due) {
		return q[i].due.Before(q[j].due)
	}
	return q[i].seq < q[j].seq
}
func (q postQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *postQueue) Push(x any)   { *q = append(*q, x.(*statusPost)) }
func (q *postQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return p
}
