package main

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
)

// defaultGCPercent trades memory for CPU: the engine allocates per message, and at Go's
// default of 100 the collector's work costs about a quarter of webhook throughput
// (bench/results.md). Operators keep control: GOGC set in the environment wins, and GOMEMLIMIT
// caps the heap whatever the percentage.
const defaultGCPercent = 400

// minProcs is the fewest Ps the engine runs with, whatever the core count. The embedded
// store's commits block their thread in fdatasync, and a P held by a thread in a blocking
// syscall is only handed back by sysmon, later: the goroutines the commit just woke (every
// writer of its group) sit on that P's run queue meanwhile. With one P per core on a
// 2-core machine that stalled half the engine after every commit; two spare Ps keep the
// woken goroutines running while commits sync (send-throughput 1.7k → 3.8k msg/s,
// webhook-ingest 6.3k → 9.1k msg/s on 2 cores, bench/results.md). GOMAXPROCS in the
// environment wins.
const minProcs = 4

// tuneRuntime applies the engine's runtime defaults, for serve and for bench (whose
// in-process engine must run as a served one does).
func tuneRuntime(log *slog.Logger) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
		log.Debug("GOGC not set; using a higher default", "gc_percent", defaultGCPercent)
	}
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < minProcs {
		runtime.GOMAXPROCS(minProcs)
		log.Debug("GOMAXPROCS not set; running spare Ps for threads blocked in fsync", "procs", minProcs)
	}
}
