package embedded

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	// maxGroup bounds how many operations one commit carries, so one commit stays short.
	maxGroup = 1024
	// checkpointEvery is how long acknowledged writes may wait in the journal and the open
	// transaction before bbolt commits them. Longer means fewer page writes (a page written
	// by many commits in between is written once) but a longer checkpoint, which holds up the
	// file's writers and readers, and a longer replay after a crash. The inbox and the outbox
	// mostly append (their keys grow with time), so waiting saves them little while webhook
	// and send acknowledgements queue behind their checkpoints: they use checkpointEvery.
	checkpointEvery = 500 * time.Millisecond
	// stateCheckpointEvery is the main file's: a busy conversation rewrites its snapshot and
	// open bucket with every message, and nothing acknowledged to a client waits for it
	// (sends are acknowledged by the outbox, webhooks by the inbox). In send-throughput its
	// checkpoints fell from 4.1% to 1.6% of CPU samples going from 500 ms to 2 s.
	stateCheckpointEvery = 2 * time.Second
	// checkpointBytes: a journal this long checkpoints at once, whatever the time, and a
	// journal file grown past it is cut back after the checkpoint.
	checkpointBytes = 64 << 20
	// ackCheckpointBytes is the inbox's and the outbox's: their checkpoints also come once
	// this much was journaled since the last. A checkpoint holds up the file's writers, and
	// its length grows with what it writes (bbolt spills and writes every page the writes
	// dirtied: ~10 ms for 2,500 webhooks of 1 KB on this VM, mostly CPU, not fdatasync), so at
	// 5,000 webhooks/s a 500 ms checkpoint stalled every acknowledgement behind it for 10–40
	// ms. Bounded by bytes, each stall is short however fast webhooks come; slow traffic keeps
	// the time rule. Measured with 5,000 appends/s of 1.2 KB (half marked processed) straight
	// on the store: p99 19–40 ms → 7–14 ms, p999 48–80 → 14–29 ms, CPU unchanged within the
	// noise (256 KB: no better p99, more checkpoints).
	ackCheckpointBytes = 1 << 20
	// retainedRecord bounds the journal entries buffer the committer keeps between groups.
	// Reused, it saves an allocation per commit; but kept at the size of the largest group
	// ever (a burst of big webhooks: hundreds of bodies of up to 3 MiB in one append), it
	// held that memory for the life of the process.
	retainedRecord = 4 << 20
)

// genKey is where bucketJournal keeps the generation of the file's journal.
var genKey = []byte("generation")

// groupOp is one operation waiting for the committer.
type groupOp struct {
	fn         func(*txn) error
	read       bool // runs after the group's writes are durable, and may not write
	checkpoint bool // a Flush: commit to bbolt now
	done       chan error
}

// committer is the only user of one bbolt file and its journal. It group-commits writes by
// queueing, never by waiting on a timer: every operation queued while the previous group
// was being made durable runs in the next group, in order, inside the bbolt write
// transaction the committer keeps open between checkpoints; the group's writes then go to
// the journal in one record and one fdatasync, and each operation gets its own answer. A lone
// write commits at once; under load groups form by themselves. bbolt commits (writes pages,
// syncs twice) only at checkpoints: once writes have waited `every` (checkpointEvery, or
// stateCheckpointEvery for the main file), when the journal is long, and at Flush and
// shutdown.
//
// Reads run on the committer too, after the group's writes are durable: the open
// transaction is the only place that holds every acknowledged write, and a read must never
// see one that is not durable yet.
//
// If the journal or a checkpoint fails, the file stops: every later operation fails as
// unavailable until the process restarts and Open replays the journal, which holds every
// write ever acknowledged. Carrying on in memory could acknowledge writes that are not kept.
type committer struct {
	name    string
	every   time.Duration // how often writes are checkpointed
	bound   int64         // journal bytes that checkpoint at once, whatever the time (0: none)
	db      *bolt.DB
	j       *journal
	gen     uint64
	tx      *bolt.Tx
	dirty   bool      // tx holds journaled writes bbolt has not committed
	since   time.Time // the first of those
	broken  error
	rec     recorder
	results []error

	ops   chan groupOp
	stop  chan struct{}
	gone  chan struct{} // closed once the loop has answered its last operation
	wg    sync.WaitGroup
	close sync.Once
}

func newCommitter(name string, db *bolt.DB, j *journal, gen uint64, every time.Duration, bound int64) *committer {
	c := &committer{name: name, every: every, bound: bound, db: db, j: j, gen: gen, ops: make(chan groupOp, maxGroup), stop: make(chan struct{}), gone: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

var errCommitterStopped = errors.New("store is closing")

// do runs fn as a write in the next group and returns its own outcome once the group is
// durable. If fn fails, nothing it wrote lands and its neighbours commit without it; fn may
// run more than once (apply), so it must touch only the transaction.
func (c *committer) do(fn func(*txn) error) error { return c.submit(groupOp{fn: fn}) }

// read runs fn, which may only read, against every acknowledged write.
func (c *committer) read(fn func(*txn) error) error { return c.submit(groupOp{fn: fn, read: true}) }

// flush checkpoints: every acknowledged write is in bbolt's file when it returns.
func (c *committer) flush() error { return c.submit(groupOp{checkpoint: true}) }

func (c *committer) submit(op groupOp) error {
	select {
	case <-c.stop:
		// Stopped: refuse, even with room in the queue (a select with both ready picks
		// either, and an operation queued after the loop drained would wait forever).
		return errCommitterStopped
	default:
	}
	op.done = doneChans.Get().(chan error)
	select {
	case c.ops <- op:
	case <-c.stop:
		doneChans.Put(op.done)
		return errCommitterStopped
	}
	select {
	case err := <-op.done:
		doneChans.Put(op.done) // answered exactly once, so empty again
		return err
	case <-c.gone:
		// The loop has stopped. It answered this operation while draining, or the
		// operation slipped into the queue after the drain and nobody will.
		select {
		case err := <-op.done:
			doneChans.Put(op.done)
			return err
		default:
			return errCommitterStopped // op.done is left to the collector: nothing writes to it
		}
	}
}

// doneChans recycles the answer channels of operations, one per store write or read.
var doneChans = sync.Pool{New: func() any { return make(chan error, 1) }}

func (c *committer) loop() {
	defer c.wg.Done()
	defer close(c.gone)
	tick := time.NewTicker(c.every / 4)
	defer tick.Stop()
	group := make([]groupOp, 0, maxGroup)
	for {
		select {
		case <-c.stop:
			c.drain()
			c.finish()
			return
		case <-tick.C:
			c.idle(time.Now())
			continue
		case op := <-c.ops:
			group = append(group[:0], op)
		}
	gather:
		for len(group) < maxGroup {
			select {
			case op := <-c.ops:
				group = append(group, op)
			default:
				break gather
			}
		}
		c.run(group)
		c.maybeCheckpoint(time.Now())
	}
}

// run executes one group: the writes in order, their journal record, the answers, then the
// reads and flushes.
func (c *committer) run(group []groupOp) {
	if c.broken == nil {
		if err := c.begin(); err != nil {
			for _, op := range group {
				op.done <- err
			}
			return
		}
	}
	if c.broken != nil {
		for _, op := range group {
			op.done <- c.broken
		}
		return
	}
	if cap(c.results) < len(group) {
		c.results = make([]error, maxGroup)
	}
	c.results = c.results[:len(group)]
	clear(c.results)
	after := false
	for _, op := range group {
		after = after || op.read || op.checkpoint
	}
	c.apply(group)
	if c.broken == nil && len(c.rec.entries) > 0 {
		if err := c.j.append(c.gen, c.rec.entries); err != nil {
			c.breakDown(err)
		} else if !c.dirty {
			c.dirty, c.since = true, time.Now()
		}
	}
	if cap(c.rec.entries) > retainedRecord {
		c.rec.entries = nil
	}
	for i, op := range group {
		if op.read || op.checkpoint {
			continue
		}
		if c.broken != nil && c.results[i] == nil {
			c.results[i] = c.broken // in memory only: not acknowledged
		}
		op.done <- c.results[i]
	}
	// Let the writers just woken run before this goroutine blocks its thread in the next
	// fdatasync: they sit on this P's run queue, and a P whose thread is blocked in a syscall
	// is only handed to another thread when sysmon notices.
	runtime.Gosched()
	if !after {
		return
	}
	for _, op := range group {
		switch {
		case !op.read && !op.checkpoint:
		case c.broken != nil:
			op.done <- c.broken
		case op.checkpoint:
			op.done <- c.checkpoint()
		default:
			// A checkpoint earlier in this group may have committed the transaction.
			if err := c.begin(); err != nil {
				op.done <- err
				continue
			}
			op.done <- op.fn(&txn{tx: c.tx})
		}
	}
}

// apply runs the group's writes in order. A write that fails having written nothing (the
// usual refusal: a conflict found before any put) just gets its error. One that fails after
// writing leaves the transaction holding writes nobody asked for: the transaction is rebuilt
// from the last checkpoint and the journal — which holds every acknowledged write — and the
// group runs again without it, so each write may run more than once but only the answered run
// lands. Rare enough that a rebuild's cost does not matter; common enough paths stay free of
// any undo bookkeeping.
func (c *committer) apply(group []groupOp) {
	for {
		c.rec.entries = c.rec.entries[:0]
		redo := false
		for i, op := range group {
			if op.read || op.checkpoint || c.results[i] != nil {
				continue
			}
			mark := len(c.rec.entries)
			if err := op.fn(&txn{tx: c.tx, rec: &c.rec}); err != nil {
				c.results[i] = err
				if len(c.rec.entries) > mark {
					redo = true
					break
				}
			}
		}
		if !redo {
			return
		}
		if err := c.rebuild(); err != nil {
			c.breakDown(fmt.Errorf("rebuild after a refused write: %w", err))
			return
		}
	}
}

// rebuild replaces the open transaction with one holding exactly the acknowledged writes:
// bbolt's last checkpoint plus the journal's current generation.
func (c *committer) rebuild() error {
	_ = c.tx.Rollback()
	c.tx = nil
	if err := c.begin(); err != nil {
		return err
	}
	if _, err := replayInto(c.tx, c.j, c.gen); err != nil {
		_ = c.tx.Rollback()
		c.tx = nil
		return err
	}
	return nil
}

// begin opens the write transaction unless one is open.
func (c *committer) begin() error {
	if c.tx != nil {
		return nil
	}
	tx, err := c.db.Begin(true)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	c.tx = tx
	return nil
}

// maybeCheckpoint commits to bbolt when writes have waited long enough or the journal is long.
func (c *committer) maybeCheckpoint(now time.Time) {
	if c.dirty && (now.Sub(c.since) >= c.every || (c.bound > 0 && c.j.off >= c.bound)) {
		_ = c.checkpoint() // a failure stops the file; every later caller hears of it
	}
}

// idle runs on the ticker: a checkpoint that came due while nothing was written, and the
// release of a transaction opened only for reads.
func (c *committer) idle(now time.Time) {
	c.maybeCheckpoint(now)
	if c.tx != nil && !c.dirty && c.broken == nil {
		_ = c.tx.Rollback()
		c.tx = nil
	}
}

// checkpoint commits the open transaction to bbolt with the next journal generation, then
// starts the journal over.
func (c *committer) checkpoint() error {
	if c.broken != nil {
		return c.broken
	}
	if !c.dirty {
		return nil
	}
	next := c.gen + 1
	if err := storeGen(c.tx, next); err != nil {
		c.breakDown(fmt.Errorf("checkpoint: %w", err))
		return c.broken
	}
	err := c.tx.Commit()
	c.tx = nil
	if err != nil {
		c.breakDown(fmt.Errorf("checkpoint: %w", err))
		return c.broken
	}
	c.gen, c.dirty = next, false
	c.j.rewind(checkpointBytes)
	return nil
}

// breakDown stops the file after a failed journal write, undo or checkpoint.
func (c *committer) breakDown(err error) {
	c.broken = fmt.Errorf("%s stopped taking writes until the process restarts (the journal keeps what was acknowledged): %w", c.name, err)
	if c.tx != nil {
		_ = c.tx.Rollback()
		c.tx = nil
	}
	c.dirty = false
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

// finish checkpoints what is pending and releases the transaction.
func (c *committer) finish() {
	_ = c.checkpoint()
	if c.tx != nil {
		_ = c.tx.Rollback()
		c.tx = nil
	}
}

// shutdown stops the committer after the group in progress, with a last checkpoint.
func (c *committer) shutdown() error {
	c.close.Do(func() { close(c.stop) })
	c.wg.Wait()
	return c.broken
}
