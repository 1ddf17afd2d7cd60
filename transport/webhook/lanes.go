package webhook

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// job is one grain call of one inbox entry. giveUp keeps it as a dead letter when it has
// failed too long while other calls succeed (lanes.run); nil never gives up.
type job struct {
	key    string
	run    func(ctx context.Context) error
	giveUp func(ctx context.Context, attempts int, failingFor time.Duration, err error) error
	// dropped, when set, is told the call will not run (refused, or given up).
	dropped func()
	entry   *tracked
}

func (j job) drop() {
	if j.dropped != nil {
		j.dropped()
	}
}

// lanes run jobs: all jobs of one key (a conversation, a tenant) on the same lane, in the
// order they were queued, and different lanes in parallel. A job that fails is retried on
// its lane with backoff — holding back that lane only — because its entry cannot be marked
// processed until it succeeds; at shutdown its entry stays pending and is replayed.
//
// A lane never blocks the dispatcher: one whose queue is at its depth (a job that keeps
// failing holds it) refuses the entry, which stays pending in the inbox, and the lane is
// spilled: it refuses every later entry too, so none overtakes the refused ones within a
// conversation. Once it has drained to half its depth it asks for a replay, which unspills it
// and dispatches the inbox's pending entries again in arrival order (Processor.replay).
type lanes struct {
	seed  maphash.Seed
	lanes []*lane
	depth int
	stop  chan struct{}
	wg    sync.WaitGroup
	retry func(error)
	// drained is called (from a lane) when a spilled lane has room again.
	drained func()
	// lastOK is when any job last succeeded (unix nanoseconds): a job failing while others
	// succeed is the job's fault, not the store's.
	lastOK atomic.Int64
	// giveUpAfter and giveUpAttempts: a job is given up (job.giveUp) once it has failed at
	// least giveUpAttempts times over at least giveUpAfter, and another job succeeded since its
	// previous failure. A key whose call was given up within giveUpAfter is given up after
	// giveUpAttempts alone (lane.gaveUp). Fields so tests can shorten them.
	giveUpAfter    time.Duration
	giveUpAttempts int
}

// lane is one queue. Only the dispatcher pushes and sets or clears spilled; the lane's
// goroutine pops.
type lane struct {
	mu      sync.Mutex
	jobs    []job
	spilled bool
	wake    chan struct{}
	// gaveUp is when a call of a key was last given up; only the lane's goroutine uses it.
	// A key that keeps failing gives each of its calls up after a few attempts, not after
	// giveUpAfter each, which would hold the lane giveUpAfter per message for ever.
	gaveUp map[string]time.Time
}

// maxGaveUp bounds a lane's memory of keys given up; past it, those older than giveUpAfter
// are forgotten (a key forgotten waits giveUpAfter again).
const maxGaveUp = 64

func newLanes(n, depth int, onRetry func(error), onDrained func()) *lanes {
	l := &lanes{seed: maphash.MakeSeed(), depth: depth, stop: make(chan struct{}), retry: onRetry, drained: onDrained,
		giveUpAfter: giveUpAfter, giveUpAttempts: giveUpAttempts}
	for range n {
		q := &lane{wake: make(chan struct{}, 1), gaveUp: map[string]time.Time{}}
		l.lanes = append(l.lanes, q)
		l.wg.Add(1)
		go l.run(q)
	}
	return l
}

func (l *lanes) index(key string) int {
	return int(maphash.String(l.seed, key) % uint64(len(l.lanes)))
}

// pushAll queues the jobs of one entry on their keys' lanes, all or none. None when the lanes
// stopped (shutdown), or when a lane they need is spilled or at its depth: then every lane
// they need is spilled, so no later entry of those keys overtakes this one, which stays
// pending in the inbox. A lane at less than its depth takes all of the entry's jobs for it,
// even past the depth: an entry needing more jobs on one lane than the depth still fits an
// emptier lane.
func (l *lanes) pushAll(jobs []job) bool {
	select {
	case <-l.stop:
		return false
	default:
	}
	need := make(map[*lane]bool, len(jobs)) // lane → it is at its depth
	ok := true
	for _, j := range jobs {
		q := l.lanes[l.index(j.key)]
		q.mu.Lock()
		full := len(q.jobs) >= l.depth
		if q.spilled || full {
			ok = false
		}
		q.mu.Unlock()
		need[q] = need[q] || full
	}
	if !ok {
		l.spill(need)
		return false
	}
	for _, j := range jobs {
		q := l.lanes[l.index(j.key)]
		q.mu.Lock()
		q.jobs = append(q.jobs, j)
		q.mu.Unlock()
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// spill marks the lanes spilled. A lane that was at its depth and drained to half of it
// before it was marked saw no spill to report (run), so it is reported here; the others are
// unspilled by the replay the full ones ask for (reporting an empty lane spilled only behind
// another, full, one would replay in a loop while that one stays full).
func (l *lanes) spill(lanes map[*lane]bool) {
	drained := false
	for q, full := range lanes {
		q.mu.Lock()
		q.spilled = true
		drained = drained || (full && len(q.jobs) <= l.depth/2)
		q.mu.Unlock()
	}
	if drained {
		l.drained()
	}
}

// unspill lets the spilled lanes below their depth take entries again; replay calls it before
// it reads the inbox, and respill undoes it when that read fails (the refused entries were
// not dispatched again: nothing may overtake them).
func (l *lanes) unspill() []*lane {
	var cleared []*lane
	for _, q := range l.lanes {
		q.mu.Lock()
		if q.spilled && len(q.jobs) < l.depth {
			q.spilled = false
			cleared = append(cleared, q)
		}
		q.mu.Unlock()
	}
	return cleared
}

func respill(cleared []*lane) {
	for _, q := range cleared {
		q.mu.Lock()
		q.spilled = true
		q.mu.Unlock()
	}
}

// next waits for the lane's oldest job; false once the lanes stop.
func (l *lanes) next(q *lane) (job, bool) {
	for {
		q.mu.Lock()
		if len(q.jobs) > 0 {
			j := q.jobs[0]
			q.jobs[0] = job{}
			q.jobs = q.jobs[1:]
			q.mu.Unlock()
			return j, true
		}
		q.mu.Unlock()
		select {
		case <-l.stop:
			return job{}, false
		case <-q.wake:
		}
	}
}

func (l *lanes) run(q *lane) {
	defer l.wg.Done()
	for {
		j, ok := l.next(q)
		if !ok {
			return
		}
		if !l.runJob(q, j) {
			return
		}
		q.mu.Lock()
		drained := q.spilled && len(q.jobs) <= l.depth/2
		q.mu.Unlock()
		if drained {
			l.drained()
		}
	}
}

// runJob runs j until it succeeds or is given up; false when the lanes stopped first.
func (l *lanes) runJob(q *lane, j job) bool {
	backoff := 10 * time.Millisecond
	var first, lastFail time.Time
	attempts := 0
	for {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		err := j.run(ctx)
		cancel()
		if err == nil {
			l.lastOK.Store(time.Now().UnixNano())
			delete(q.gaveUp, j.key)
			j.entry.done()
			return true
		}
		attempts++
		if first.IsZero() {
			first, lastFail = start, start
		}
		// Give up only when others succeed meanwhile: during a general outage (everything
		// fails) everything waits, however long.
		if j.giveUp != nil && attempts >= l.giveUpAttempts && l.failedLongEnough(q, j.key, first) &&
			l.lastOK.Load() > lastFail.UnixNano() {
			ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
			gerr := j.giveUp(ctx, attempts, time.Since(first), err)
			cancel()
			if gerr == nil {
				l.rememberGaveUp(q, j.key)
				j.drop()
				j.entry.done()
				return true
			}
			err = gerr
		}
		lastFail = time.Now()
		l.retry(err)
		select {
		case <-l.stop:
			return false
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// failedLongEnough: a call failing since first has failed for giveUpAfter, or its key was
// given up within giveUpAfter.
func (l *lanes) failedLongEnough(q *lane, key string, first time.Time) bool {
	if time.Since(first) >= l.giveUpAfter {
		return true
	}
	at, ok := q.gaveUp[key]
	return ok && time.Since(at) < l.giveUpAfter
}

func (l *lanes) rememberGaveUp(q *lane, key string) {
	if len(q.gaveUp) >= maxGaveUp {
		for k, at := range q.gaveUp {
			if time.Since(at) >= l.giveUpAfter {
				delete(q.gaveUp, k)
			}
		}
	}
	if len(q.gaveUp) < maxGaveUp {
		q.gaveUp[key] = time.Now()
	}
}

func (l *lanes) close() {
	close(l.stop)
	l.wg.Wait()
}
