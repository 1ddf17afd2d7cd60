package bench

import (
	"fmt"
	"syscall"
	"time"
)

// cpuUsed is the CPU time (user and system) this process has used so far. The engine,
// fakemeta and the load generator share the process, so a phase's difference spread over
// its messages is what one message costs the three together: the figure an optimisation
// changes, printed beside messages per second because on a shared virtual machine the
// cores on offer vary from run to run.
func cpuUsed() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perMessage formats cpu spread over n messages, in microseconds.
func perMessage(cpu time.Duration, n int) string {
	if n <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f µs", float64(cpu.Microseconds())/float64(n))
}
