package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"
)

// An engine apart is `switchboard serve` in a process of its own, pinned to its own CPUs,
// while the load generator and fakemeta stay in the bench process on the others. In one
// process they share the cores and the Go scheduler, so throughput measures the three
// together; apart, the engine's process CPU is its own, and on a machine with spare cores
// the engine can be given exactly the cores a target names ("≥ 10,000 msg/s on 2 cores").
type engineApart struct {
	cmd  *exec.Cmd
	done chan error // the process's exit, once
}

// userHz is the unit of utime and stime in /proc/<pid>/stat: USER_HZ, 100 on Linux for
// every architecture the engine builds for (the kernel converts to it for user space).
const userHz = 100

// startApart starts binary's `serve` with env on cpus, its data in env's DATA_DIR, and waits
// until its health answers at base.
func startApart(ctx context.Context, binary string, env map[string]string, cpus unix.CPUSet, base string) (*engineApart, error) {
	cmd := exec.Command(binary, "serve")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// The runtime's own knobs pass through, so an experiment sets them as for the bench.
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr // errors only (LOG_LEVEL=error)
	if err := startPinned(cpus, cmd.Start); err != nil {
		return nil, fmt.Errorf("bench: start the engine apart: %w", err)
	}
	e := &engineApart{cmd: cmd, done: make(chan error, 1)}
	go func() { e.done <- cmd.Wait() }()
	if err := e.waitHealthy(ctx, base, time.Minute); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// waitHealthy polls the health route until it answers 200, the process exits or d passes.
func (e *engineApart) waitHealthy(ctx context.Context, base string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		select {
		case err := <-e.done:
			e.done <- err
			return fmt.Errorf("bench: the engine apart exited before it was healthy: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		status, _, err := fasthttp.GetTimeout(nil, base+"/api/v1/health", time.Second)
		if err == nil && status == fasthttp.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: the engine apart not healthy within %s (last: %d %v)", d, status, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cpu is the CPU time the engine's process has used so far (user and system).
func (e *engineApart) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", e.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("bench: the engine's CPU time: %w", err)
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) from a /proc/<pid>/stat line. The
// command name (field 2) is in parentheses and may hold spaces, so fields count from the
// last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: /proc stat %q: no command name", stat)
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: /proc stat %q: too few fields", stat)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: /proc stat field %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHz, nil
}

// stop ends the engine gracefully (SIGTERM: it drains and flushes), killing it after 30 s.
func (e *engineApart) stop() error {
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-e.done:
		e.done <- err
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("bench: the engine apart exited with %v", exit)
		}
		return err
	case <-time.After(30 * time.Second):
		_ = e.cmd.Process.Kill()
		return errors.New("bench: the engine apart did not stop within 30 s; killed")
	}
}

// cpuPlacement is where an engine apart and the bench process run.
type cpuPlacement struct{ engine, load unix.CPUSet }

// shared: the load runs on some of the engine's CPUs (or on any CPU).
func (p *cpuPlacement) shared() bool {
	apart := otherCPUs(p.load, p.engine) // the load's CPUs the engine does not have
	return p.load.Count() == 0 || apart.Count() < p.load.Count()
}

// orAll names an empty CPU list: the load was not pinned (the engine has every CPU).
func orAll(list string) string {
	if list == "" {
		return "any (the engine's too)"
	}
	return list
}

// apartReport splits a sent message's CPU between the engine's process and this one, and
// says whether the engine's CPUs were busy: if they were not, something on the load side
// (or the store's fdatasync) held the rate, and it understates what the engine could send.
func apartReport(engine, bench, elapsed time.Duration, n, engineCPUs int, shared bool) string {
	busy := float64(engine) / (float64(elapsed) * float64(engineCPUs))
	var verdict string
	switch {
	case shared:
		verdict = "shared with the load generator and fakemeta, so this is no measure of the engine alone"
	case busy < 0.85:
		verdict = "NOT saturated: the load side or the disk held the rate, which understates the engine"
	default:
		verdict = "saturated: the rate is the engine's on these CPUs"
	}
	return fmt.Sprintf("engine process %s, bench process (load generator and fakemeta) %s; the engine's %d CPU(s) were %.0f%% busy, %s",
		perMessage(engine, n), perMessage(bench, n), engineCPUs, 100*busy, verdict)
}
