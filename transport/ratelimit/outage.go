package ratelimit

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// outage remembers that Redis is failing, so a long outage costs one log line and one probe
// per interval rather than a failed round trip (and its timeout) on every request.
type outage struct {
	interval  int64        // nanoseconds between probes while down
	since     atomic.Int64 // clock reading when the outage began; 0 while Redis answers
	nextProbe atomic.Int64 // clock reading after which one caller may try Redis again
	local     atomic.Int64 // decisions made by the fallback during this outage
}

// shouldTry reports whether this caller should ask Redis: always while it is healthy, and
// while it is down only the one caller that claims the next probe.
func (o *outage) shouldTry(now int64) bool {
	if o.since.Load() == 0 {
		return true
	}
	next := o.nextProbe.Load()
	return now >= next && o.nextProbe.CompareAndSwap(next, now+o.interval)
}

// failed records a failure; the caller that turns a healthy Redis into an outage logs it.
func (o *outage) failed(now int64, err error, log *slog.Logger) {
	o.local.Add(1)
	if !o.since.CompareAndSwap(0, now) {
		return
	}
	o.nextProbe.Store(now + o.interval)
	log.Warn("ratelimit: redis unavailable; limiting with the local fallback until it answers again",
		"err", err, "probe_interval", time.Duration(o.interval))
}

// fellBack counts a decision made locally without trying Redis.
func (o *outage) fellBack() { o.local.Add(1) }

// recovered ends an outage, if one was running, with one log line.
func (o *outage) recovered(now int64, log *slog.Logger) {
	since := o.since.Load()
	if since == 0 || !o.since.CompareAndSwap(since, 0) {
		return
	}
	log.Info("ratelimit: redis answers again; limits are cluster-wide again",
		"outage", time.Duration(now-since), "local_decisions", o.local.Swap(0))
}
