package webhook

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// maxBatch bounds how many entries one inbox write carries.
const maxBatch = 512

// appendReq is one request's entry and where to report its durability.
type appendReq struct {
	entry persistence.InboxEntry
	done  chan error
}

// Writer group-commits inbox appends: requests that arrive while a write is in flight are
// gathered into the next write, so under load one durable write (one fsync, one InsertMany)
// carries many webhooks, and at low load a lone webhook is written at once — batching by
// queueing, never by waiting on a timer.
type Writer struct {
	inbox   persistence.Inbox
	reqs    chan appendReq
	stop    chan struct{}
	wg      sync.WaitGroup
	stopped sync.Once
}

// NewWriter starts writers concurrent batch writers over inbox.
func NewWriter(inbox persistence.Inbox, writers int) *Writer {
	w := &Writer{inbox: inbox, reqs: make(chan appendReq, maxBatch*writers), stop: make(chan struct{})}
	for range writers {
		w.wg.Add(1)
		go w.loop()
	}
	return w
}

// Append makes e durable within timeout, sharing the write with concurrent callers. It
// takes a timeout rather than a context, and reuses its timer and its answer's channel: a
// context with a deadline, its timer and the channel cost six allocations per webhook on
// the acknowledgement path.
func (w *Writer) Append(e persistence.InboxEntry, timeout time.Duration) error {
	select {
	case <-w.stop:
		// Checked first: the queue may have room, and a request no writer takes would
		// wait out its timeout.
		return errWriterStopped
	default:
	}
	t := timers.Get().(*time.Timer)
	t.Reset(timeout)
	defer func() {
		t.Stop() // from Go 1.23 a stopped timer delivers nothing stale after its next Reset
		timers.Put(t)
	}()
	req := appendReq{entry: e, done: answers.Get().(chan error)}
	select {
	case w.reqs <- req:
	case <-w.stop:
		answers.Put(req.done)
		return errWriterStopped
	case <-t.C:
		answers.Put(req.done)
		return fmt.Errorf("webhook: inbox append: %w", context.DeadlineExceeded)
	}
	select {
	case err := <-req.done:
		answers.Put(req.done) // emptied: the writer sends one answer per request
		return err
	case <-t.C:
		// The write may still land; Meta will retry and the duplicate dedupes by wamid. Its
		// answer will still come: the channel is left to the collector.
		return fmt.Errorf("webhook: inbox append: %w", context.DeadlineExceeded)
	}
}

var errWriterStopped = fmt.Errorf("webhook: inbox writer stopped: %w", persistence.ErrUnavailable)

var (
	timers  = sync.Pool{New: func() any { t := time.NewTimer(time.Hour); t.Stop(); return t }}
	answers = sync.Pool{New: func() any { return make(chan error, 1) }}
)

func (w *Writer) loop() {
	defer w.wg.Done()
	batch := make([]appendReq, 0, maxBatch)
	entries := make([]persistence.InboxEntry, 0, maxBatch)
	for {
		select {
		case <-w.stop:
			return
		case first := <-w.reqs:
			batch = append(batch[:0], first)
		gather:
			for len(batch) < maxBatch {
				select {
				case r := <-w.reqs:
					batch = append(batch, r)
				default:
					break gather
				}
			}
			entries = entries[:0]
			for _, r := range batch {
				entries = append(entries, r.entry)
			}
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			err := w.inbox.Append(ctx, entries)
			cancel()
			for _, r := range batch {
				r.done <- err
			}
		}
	}
}

// Close stops the writers after their current batch; later Appends fail.
func (w *Writer) Close() {
	w.stopped.Do(func() { close(w.stop) })
	w.wg.Wait()
}
