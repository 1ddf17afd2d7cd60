package graph

import (
	"errors"
	"math/rand/v2"
	"time"
)

// Backoff bounds. Throughput errors clear within a second or two; Meta-side trouble may
// last minutes; app/WABA rate limits (4, 80007) last minutes to an hour.
const (
	throughputBase = time.Second
	throughputCap  = 30 * time.Second
	transientBase  = time.Second
	transientCap   = 5 * time.Minute
	rateLimitBase  = time.Minute
	rateLimitCap   = time.Hour
	maintenanceGap = time.Minute // 131057: throughput upgrade in progress, ≤1 min
	pairCap        = 1024 * time.Second
	// maxRegainAccess bounds Meta's estimated_time_to_regain_access (APIError.
	// RegainAccessAfter): a day is far longer than any app or WABA rate-limit window Meta
	// documents (a rolling hour), and a header value is not to be trusted unbounded: a huge
	// one overflowed the wait into a negative duration (a panic in the jitter) or parked
	// a message for years.
	maxRegainAccess = 24 * time.Hour
)

// Backoff suggests how long to wait before retry number attempt (0 for the first retry)
// of a call that failed with err; 0 means "do not retry". Waits are jittered so that many
// queues hitting the same limit do not come back in lockstep.
//
//   - 130429 throughput: 1 s · 2^attempt (cap 30 s), equal jitter.
//   - 131056 pair limit: 4^attempt s (1, 4, 16, 64 …, cap 1024 s) as Meta prescribes, +≤10 %.
//   - 131057 maintenance: ~60 s.
//   - 4 / 80007 rate limits: Meta's estimated_time_to_regain_access (at most a day) when
//     the usage header carried it, else 1 min · 2^attempt (cap 1 h).
//   - other transient errors and network failures: 1 s · 2^attempt (cap 5 min).
func Backoff(err error, attempt int) time.Duration {
	if attempt < 0 {
		attempt = 0
	}
	class := ClassOf(err)
	switch class {
	case RetryThroughput:
		return equalJitter(exponential(throughputBase, attempt, throughputCap))
	case RetryPair:
		return addJitter(exponential4(attempt))
	case RetryTransient:
		return equalJitter(transientWait(err, attempt))
	}
	return 0
}

func transientWait(err error, attempt int) time.Duration {
	var code, regain int
	var e *APIError
	if errors.As(err, &e) {
		code, regain = e.Code, e.RegainAccessAfter
	}
	switch code {
	case 131057:
		return 2 * maintenanceGap // equal jitter halves it back to 60–120 s
	case 4, 80007:
		if regain > 0 {
			// Equal jitter makes it regain to 2·regain: never before Meta's estimate.
			return 2 * time.Duration(min(regain, int(maxRegainAccess/time.Minute))) * time.Minute
		}
		return exponential(rateLimitBase, attempt, rateLimitCap)
	}
	return exponential(transientBase, attempt, transientCap)
}

// exponential is base·2^attempt, capped.
func exponential(base time.Duration, attempt int, limit time.Duration) time.Duration {
	d := base
	for range attempt {
		d *= 2
		if d >= limit {
			return limit
		}
	}
	return d
}

// exponential4 is 4^attempt seconds, capped.
func exponential4(attempt int) time.Duration {
	d := time.Second
	for range attempt {
		d *= 4
		if d >= pairCap {
			return pairCap
		}
	}
	return d
}

// equalJitter waits between d/2 and d.
func equalJitter(d time.Duration) time.Duration {
	half := d / 2
	return half + rand.N(half+1)
}

// addJitter waits between d and d·1.1: Meta's pair schedule is a minimum.
func addJitter(d time.Duration) time.Duration {
	return d + rand.N(d/10+1)
}
