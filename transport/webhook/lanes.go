package webhook

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// job is one grain call of one inbox entry.
type job struct {
	run   func(ctx context.Context) error
	entry *tracked
}

// lanes run jobs: all jobs of one key (a conversation, a tenant) on the same lane, in the
// order they were queued, and different lanes in parallel. A job that fails is retried on
// its lane with backoff — holding back that lane only — because its entry cannot be marked
// processed until it succeeds; at shutdown its entry stays pending and is replayed.
type lanes struct {
	seed   maphash.Seed
	queues []chan job
	stop   chan struct{}
	wg     sync.WaitGroup
	retry  func(error)
}

func newLanes(n, depth int, onRetry func(error)) *lanes {
	l := &lanes{seed: maphash.MakeSeed(), stop: make(chan struct{}), retry: onRetry}
	for range n {
		q := make(chan job, depth)
		l.queues = append(l.queues, q)
		l.wg.Add(1)
		go l.run(q)
	}
	return l
}

// push queues j on key's lane, blocking while that lane is full (backpressure onto the
// dispatcher, and from it onto replay-from-store).
func (l *lanes) push(key string, j job) bool {
	q := l.queues[maphash.String(l.seed, key)%uint64(len(l.queues))]
	select {
	case <-l.stop:
		// Stopped: refuse, even with room in the queue (a select with both ready picks
		// either). A job queued after all would never run, nor mark its entry: still safe.
		return false
	default:
	}
	select {
	case q <- j:
		return true
	case <-l.stop:
		return false
	}
}

func (l *lanes) run(q chan job) {
	defer l.wg.Done()
	for {
		select {
		case <-l.stop:
			return
		case j := <-q:
			backoff := 10 * time.Millisecond
			for {
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				err := j.run(ctx)
				cancel()
				if err == nil {
					j.entry.done()
					break
				}
				l.retry(err)
				select {
				case <-l.stop:
					return
				case <-time.After(backoff):
				}
				backoff = min(backoff*2, 5*time.Second)
			}
		}
	}
}

func (l *lanes) close() {
	close(l.stop)
	l.wg.Wait()
}
