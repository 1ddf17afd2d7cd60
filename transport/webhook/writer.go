package webhook

import (
	"context"
	"fmt"
	"sync"

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

// Append makes e durable, sharing the write with concurrent callers.
func (w *Writer) Append(ctx context.Context, e persistence.InboxEntry) error {
	req := appendReq{entry: e, done: make(chan error, 1)}
	select {
	case w.reqs <- req:
	case <-w.stop:
		return fmt.Errorf("webhook: inbox writer stopped: %w", persistence.ErrUnavailable)
	case <-ctx.Done():
		return fmt.Errorf("webhook: inbox append: %w", ctx.Err())
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The write may still land; Meta will retry and the duplicate dedupes by wamid.
		return fmt.Errorf("webhook: inbox append: %w", ctx.Err())
	}
}

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
