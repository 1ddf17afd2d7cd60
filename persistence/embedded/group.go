package embedded

import (
	"errors"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds how many operations one transaction carries, so one commit stays short.
const maxGroup = 1024

// groupOp is one write waiting for the committer.
type groupOp struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// committer group-commits writes by queueing, never by waiting on a timer: one goroutine runs
// every operation queued while the previous transaction committed in a single bbolt
// transaction (one fsync for all of them). A lone write commits at once; under load batches
// form by themselves. (bbolt's own db.Batch waits MaxBatchDelay for company, which at low
// load is pure latency: 2 ms on every webhook acknowledgement.)
type committer struct {
	db    *bolt.DB
	ops   chan groupOp
	stop  chan struct{}
	wg    sync.WaitGroup
	close sync.Once
}

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, ops: make(chan groupOp, maxGroup), stop: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

var errCommitterStopped = errors.New("store is closing")

// do runs fn in a shared write transaction and returns its own outcome. As with db.Batch, fn
// may run twice (again, alone, when a neighbour in its group failed), so it must touch only
// the transaction.
func (c *committer) do(fn func(*bolt.Tx) error) error {
	op := groupOp{fn: fn, done: make(chan error, 1)}
	select {
	case c.ops <- op:
	case <-c.stop:
		return errCommitterStopped
	}
	return <-op.done
}

func (c *committer) loop() {
	defer c.wg.Done()
	group := make([]groupOp, 0, maxGroup)
	for {
		select {
		case <-c.stop:
			c.drain()
			return
		case op := <-c.ops:
			group = append(group[:0], op)
		gather:
			for len(group) < maxGroup {
				select {
				case op := <-c.ops:
					group = append(group, op)
				default:
					break gather
				}
			}
			c.commit(group)
		}
	}
}

// commit runs a group in one transaction. An operation that fails (a version conflict, a
// duplicate id) gets its own error and the transaction rolls back — before anything was
// written, so the rollback is free — and the rest of the group runs again without it: one
// refused write never takes its neighbours down, and never costs each of them a commit
// (and two fsyncs) of its own.
func (c *committer) commit(group []groupOp) {
	for len(group) > 0 {
		failed, opErr := -1, error(nil)
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, op := range group {
				if err := op.fn(tx); err != nil {
					failed, opErr = i, err
					return err
				}
			}
			return nil
		})
		switch {
		case err == nil:
			for _, op := range group {
				op.done <- nil
			}
			// Let the writers just woken run before the next commit blocks this thread in
			// fdatasync: they sit on this P's run queue, and a P whose thread is blocked in a
			// syscall is only handed to another thread when sysmon notices.
			runtime.Gosched()
			return
		case failed < 0:
			// The commit itself failed (disk, closed database): nobody's write landed.
			for _, op := range group {
				op.done <- err
			}
			return
		}
		group[failed].done <- opErr
		group = append(group[:failed:failed], group[failed+1:]...)
	}
}

// drain answers whatever is still queued at shutdown.
func (c *committer) drain() {
	for {
		select {
		case op := <-c.ops:
			op.done <- errCommitterStopped
		default:
			return
		}
	}
}

// shutdown stops the committer after the transaction in progress.
func (c *committer) shutdown() {
	c.close.Do(func() { close(c.stop) })
	c.wg.Wait()
}
