package bench

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/google/pprof/profile"
)

// The engine, fakemeta and the load generator share the bench's process and its cores, so
// cpuUsed's figure is what a message costs the three together. Their goroutines carry the
// profiler label "component" (loadgen, fakemeta; the engine's carry none), and a CPU profile
// of a phase, summed by that label, splits the cost: what the engine alone spends per
// message, and so the most it could send were the two others on machines of their own.
// The collector's background workers carry no label, so the engine's figure also holds the
// part of the others' garbage they collect: it errs high, and the rate it implies low.

// componentLabel is the profiler label the bench's own goroutines carry.
const componentLabel = "component"

// cpuSplit is a phase's CPU by component, from the profile's samples (user and system time,
// sampled at 100 Hz: a 10 s phase on two busy cores gives ~2,000 samples).
type cpuSplit struct {
	engine, fakemeta, loadgen time.Duration
	samples                   int
}

// profileComponents runs f under the CPU profiler and splits what it used. ok is false when
// no profile could be taken (another is running: --cpuprofile), and f still runs.
func profileComponents(f func() error) (split cpuSplit, ok bool, err error) {
	var buf bytes.Buffer
	if pprof.StartCPUProfile(&buf) != nil {
		return split, false, f()
	}
	err = f()
	pprof.StopCPUProfile()
	if err != nil {
		return split, false, err
	}
	p, perr := profile.Parse(&buf)
	if perr != nil {
		return split, false, fmt.Errorf("bench: read the phase's CPU profile: %w", perr)
	}
	split, ok = splitByComponent(p)
	return split, ok, nil
}

// sampleTypeIndex is the index of the profile's values of type typ in unit, or -1.
func sampleTypeIndex(p *profile.Profile, typ, unit string) int {
	for i, st := range p.SampleType {
		if st.Type == typ && st.Unit == unit {
			return i
		}
	}
	return -1
}

// splitByComponent sums a CPU profile's samples by componentLabel.
func splitByComponent(p *profile.Profile) (cpuSplit, bool) {
	cpu := sampleTypeIndex(p, "cpu", "nanoseconds")
	if cpu < 0 {
		return cpuSplit{}, false
	}
	// The runtime merges the samples of one stack and label set into one entry and keeps
	// their number in samples/count: a phase's ~1,000 samples are a few hundred entries, so
	// counting entries undercounts. Without that value (not a Go runtime profile) the
	// sampling period gives the number.
	count := sampleTypeIndex(p, "samples", "count")
	var s cpuSplit
	for _, smp := range p.Sample {
		d := time.Duration(smp.Value[cpu])
		switch {
		case count >= 0:
			s.samples += int(smp.Value[count])
		case p.Period > 0:
			s.samples += int(smp.Value[cpu] / p.Period)
		}
		switch c := smp.Label[componentLabel]; {
		case len(c) > 0 && c[0] == "fakemeta":
			s.fakemeta += d
		case len(c) > 0 && c[0] == "loadgen":
			s.loadgen += d
		default:
			s.engine += d
		}
	}
	return s, s.samples > 0
}

// report prints the split per message, and the rate the engine's share alone would allow on
// this machine's cores: an upper bound, as if the engine had every core and scaled
// perfectly across them.
// process is the process's CPU over the same phase (cpuUsed): the share the samples account
// for tells whether the profile saw the phase (a sampled profile misses little at this rate).
func (s cpuSplit) report(n int, process time.Duration) string {
	if n <= 0 {
		return "n/a"
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	line := fmt.Sprintf("engine %.0f µs, fakemeta %.0f µs, load generator %.0f µs (%d profile samples",
		per(s.engine), per(s.fakemeta), per(s.loadgen), s.samples)
	if process > 0 {
		line += fmt.Sprintf(", %.0f%% of the process's CPU", 100*float64(s.engine+s.fakemeta+s.loadgen)/float64(process))
	}
	line += ")"
	if e := per(s.engine); e > 0 {
		line += fmt.Sprintf("; the engine alone on %d cores: at most %.0f msg/s", runtime.NumCPU(), float64(runtime.NumCPU())*1e6/e)
	}
	return line
}
