package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"

	"golang.org/x/sys/unix"
)

// Machine describes where a run happened, printed with every result: what two runs must
// share to compare. The cores and the CPU; the runtime's Ps and collector setting, which the
// engine raises (tuneRuntime) and the environment overrides, and which move the figures by
// tens of percent (bench/FINDINGS.md); the kernel; and the load average when the run began,
// since other work on this shared VM moves them more than most changes do.
func Machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
	}
	kernel := "unknown"
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		kernel = unix.ByteSliceToString(u.Release[:])
	}
	load := "unknown"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	return fmt.Sprintf("%d cores (%s)%s, %s %s/%s, GOMAXPROCS %d, GOGC %s, kernel %s, load average %s",
		runtime.NumCPU(), model, mem, runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.GOMAXPROCS(0), gcPercent(), kernel, load)
}

// gcPercent is the collector's setting now (GOGC, or what the engine set), "off" when off.
func gcPercent() string {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return "unknown"
	}
	if v := s[0].Value.Uint64(); v != 0 {
		return fmt.Sprint(v)
	}
	return "off"
}
