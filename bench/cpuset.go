package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// parseCPUList reads a CPU list as taskset and cgroups write it: "0", "0,2", "0-3,6". Every
// CPU must be one this process may run on, so a typo fails before the run instead of pinning
// the engine to nothing.
func parseCPUList(list string, allowed unix.CPUSet) (unix.CPUSet, error) {
	var set unix.CPUSet
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		first, err := strconv.Atoi(lo)
		if err != nil || first < 0 {
			return set, fmt.Errorf("bench: CPU list %q: %q is not a CPU number", list, lo)
		}
		last := first
		if isRange {
			if last, err = strconv.Atoi(hi); err != nil || last < first {
				return set, fmt.Errorf("bench: CPU list %q: %q is not a range", list, part)
			}
		}
		for cpu := first; cpu <= last; cpu++ {
			if !allowed.IsSet(cpu) {
				return set, fmt.Errorf("bench: CPU list %q: CPU %d is not one this process may use (%s)", list, cpu, formatCPUs(allowed))
			}
			set.Set(cpu)
		}
	}
	return set, nil
}

// otherCPUs is allowed without set.
func otherCPUs(allowed, set unix.CPUSet) unix.CPUSet {
	var rest unix.CPUSet
	for cpu := range len(allowed) * 64 {
		if allowed.IsSet(cpu) && !set.IsSet(cpu) {
			rest.Set(cpu)
		}
	}
	return rest
}

// formatCPUs writes set as a CPU list ("0-1,3").
func formatCPUs(set unix.CPUSet) string {
	var parts []string
	for cpu, n := 0, len(set)*64; cpu < n; cpu++ {
		if !set.IsSet(cpu) {
			continue
		}
		last := cpu
		for last+1 < n && set.IsSet(last+1) {
			last++
		}
		if last == cpu {
			parts = append(parts, strconv.Itoa(cpu))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", cpu, last))
		}
		cpu = last
	}
	return strings.Join(parts, ",")
}

// pinProcess keeps every thread of this process on set. Threads the runtime starts later
// inherit the affinity of the thread that creates them, so pinning the ones alive now pins
// the process.
func pinProcess(set unix.CPUSet) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("bench: list threads: %w", err)
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH { // ESRCH: the thread exited meanwhile
			return fmt.Errorf("bench: pin thread %d to CPUs %s: %w", tid, formatCPUs(set), err)
		}
	}
	return nil
}

// startPinned runs start on a thread pinned to set, so the process it starts (fork and exec
// copy the calling thread's affinity) runs on set from its first instruction, with every
// thread it will ever have. The thread is discarded afterwards rather than unpinned: the
// goroutine ends locked to it.
func startPinned(set unix.CPUSet, start func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the runtime retires the pinned thread with the goroutine
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			errc <- fmt.Errorf("bench: pin to CPUs %s: %w", formatCPUs(set), err)
			return
		}
		errc <- start()
	}()
	return <-errc
}
