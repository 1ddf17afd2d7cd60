package cluster

import (
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// endedMemory is how long a member remembers that an activation ended (ActivationTerminated):
// between that long and twice it. It need only outlast the moment between a lookup's answer
// reaching this member and locate caching it; a member restarted on the same address
// naming a new activation as an ended one did (the same identity and spawn counter) within
// it would have that activation located only once it has been forgotten.
const endedMemory = 10 * time.Second

// endedPIDs are the activations whose end this member heard of lately. A placement actor
// answers a stopping activation's PID until it has processed the Terminated that follows, and
// then tells every member: on the asking member the answer wakes the caller while the
// connection's reader goes on to the end, which may be handled before the caller caches the
// answer (and then evicts nothing). locate checks here after caching, so one of the two
// drops the PID.
type endedPIDs struct {
	mu        sync.Mutex
	cur, prev map[string]struct{}
	since     time.Time // when cur was started
}

func pidKey(pid *actor.PID) string { return pid.GetAddress() + "/" + pid.GetId() }

// add remembers that pid ended.
func (e *endedPIDs) add(pid *actor.PID, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rotate(now)
	if e.cur == nil {
		e.cur = map[string]struct{}{}
	}
	e.cur[pidKey(pid)] = struct{}{}
}

// has reports whether pid ended lately.
func (e *endedPIDs) has(pid *actor.PID, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rotate(now)
	k := pidKey(pid)
	_, inCur := e.cur[k]
	_, inPrev := e.prev[k]
	return inCur || inPrev
}

// rotate forgets what is older than endedMemory, a generation at a time.
func (e *endedPIDs) rotate(now time.Time) {
	switch age := now.Sub(e.since); {
	case age >= 2*endedMemory:
		e.cur, e.prev, e.since = nil, nil, now
	case age >= endedMemory:
		e.cur, e.prev, e.since = nil, e.cur, now
	}
}
