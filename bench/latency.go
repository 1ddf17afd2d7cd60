package bench

import (
	"slices"
	"time"
)

// latencies collects one worker's request latencies; merged and sorted once at the end, so
// recording costs an append on the hot path.
type latencies []time.Duration

// quantiles returns p50, p99 and p999 of all samples.
func quantiles(all []latencies) (p50, p99, p999 time.Duration, n int) {
	var merged []time.Duration
	for _, l := range all {
		merged = append(merged, l...)
	}
	if len(merged) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(merged)
	at := func(q float64) time.Duration { return merged[min(len(merged)-1, int(q*float64(len(merged))))] }
	return at(0.50), at(0.99), at(0.999), len(merged)
}
