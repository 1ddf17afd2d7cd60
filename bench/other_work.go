package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// The machine is a shared VM: other processes (and the hypervisor, through steal) take its
// cores during a run, and a run's figures move with them by up to two times. What they took
// while a scenario ran is printed with its figures, so a slow run says why.

// hostTimes is the machine's CPU time so far from /proc/stat's first line, in USER_HZ ticks:
// busy (user, nice, system, irq, softirq; guest time is inside user), stolen by the
// hypervisor, and the total with idle and iowait.
type hostTimes struct{ busy, steal, total int64 }

func readHostTimes() (hostTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return hostTimes{}, fmt.Errorf("bench: the machine's CPU time: %w", err)
	}
	return parseHostTimes(string(b))
}

// parseHostTimes reads the aggregate "cpu" line: user nice system idle iowait irq softirq
// steal (guest and guest_nice, after them, are already counted in user and nice).
func parseHostTimes(stat string) (hostTimes, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return hostTimes{}, fmt.Errorf("bench: /proc/stat %q: no cpu line", line)
	}
	var v [8]int64
	for i := range v {
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return hostTimes{}, fmt.Errorf("bench: /proc/stat field %q: %w", f[i+1], err)
		}
		v[i] = n
	}
	user, nice, system, idle, iowait, irq, softirq, steal := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	busy := user + nice + system + irq + softirq
	return hostTimes{busy: busy, steal: steal, total: busy + idle + iowait + steal}, nil
}

// otherWork says what share of the machine's CPU went to other processes between two
// readings (busy time less own, this process's CPU over the same span) and to steal.
func otherWork(before, after hostTimes, own time.Duration) string {
	total := after.total - before.total
	if total <= 0 {
		return "n/a"
	}
	tick := float64(time.Second / userHz)
	others := float64(after.busy-before.busy) - float64(own)/tick
	return fmt.Sprintf("%.0f%% of the machine's CPU went to other processes, %.0f%% stolen by the hypervisor",
		100*max(others, 0)/float64(total), 100*float64(after.steal-before.steal)/float64(total))
}

// alongsideOtherWork wraps a scenario's run: once it succeeds, its figures end with the other
// work on the machine during it; when it fails, its error says it (a failed pacing check in a
// busy hour reads otherwise like a pacer that overran). note follows the figure (an engine
// apart is another process, and its CPU is among the others').
func alongsideOtherWork(note string, run func(figures io.Writer) error) func(figures io.Writer) error {
	return func(figures io.Writer) error {
		before, berr := readHostTimes()
		own0 := cpuUsed()
		runErr := run(figures)
		own := cpuUsed() - own0
		after, aerr := readHostTimes()
		line := fmt.Sprintf("unknown (%v)", errors.Join(berr, aerr))
		if berr == nil && aerr == nil {
			line = otherWork(before, after, own)
		}
		if runErr != nil {
			return fmt.Errorf("%w (other work during the run: %s%s)", runErr, line, note)
		}
		_, err := fmt.Fprintf(figures, "  other work during the run: %s%s\n", line, note)
		return err
	}
}
