package bench

import (
	"bytes"
	"context"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

func TestSplitByComponent(t *testing.T) {
	sample := func(ns int64, component string) *profile.Sample {
		s := &profile.Sample{Value: []int64{1, ns}}
		if component != "" {
			s.Label = map[string][]string{componentLabel: {component}}
		}
		return s
	}
	cpuTypes := []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}}
	for _, tc := range []struct {
		name  string
		p     *profile.Profile
		want  cpuSplit
		found bool
	}{
		{"by label, unlabelled is the engine's",
			&profile.Profile{SampleType: cpuTypes, Sample: []*profile.Sample{
				sample(10e6, ""), sample(20e6, "fakemeta"), sample(30e6, "loadgen"), sample(40e6, ""),
				sample(5e6, "something-else")}},
			cpuSplit{engine: 55 * time.Millisecond, fakemeta: 20 * time.Millisecond, loadgen: 30 * time.Millisecond, samples: 5}, true},
		{"merged entries count every sample they hold",
			&profile.Profile{SampleType: cpuTypes, Sample: []*profile.Sample{
				{Value: []int64{3, 30e6}}, {Value: []int64{2, 20e6}, Label: map[string][]string{componentLabel: {"loadgen"}}}}},
			cpuSplit{engine: 30 * time.Millisecond, loadgen: 20 * time.Millisecond, samples: 5}, true},
		{"without samples/count, the period gives the number",
			&profile.Profile{SampleType: cpuTypes[1:], Period: 10e6, Sample: []*profile.Sample{{Value: []int64{40e6}}}},
			cpuSplit{engine: 40 * time.Millisecond, samples: 4}, true},
		{"no samples", &profile.Profile{SampleType: cpuTypes}, cpuSplit{}, false},
		{"not a CPU profile", &profile.Profile{SampleType: []*profile.ValueType{{Type: "alloc_space", Unit: "bytes"}},
			Sample: []*profile.Sample{{Value: []int64{1}}}}, cpuSplit{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := splitByComponent(tc.p)
			if got != tc.want || ok != tc.found {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tc.want, tc.found)
			}
		})
	}
}

// A real profile of labelled busy goroutines is split by their labels.
func TestProfileComponentsSplitsARealProfile(t *testing.T) {
	split, ok, err := profileComponents(func() error {
		done := make(chan struct{})
		cpu0, start := cpuUsed(), time.Now()
		for _, c := range []string{"fakemeta", "loadgen", ""} {
			go spin(c, done)
		}
		// Until the spinners used 0.4 s of CPU (~13 samples each at 100 Hz), not for a
		// wall time: on shared cores a fixed sleep may give them a fraction of that.
		for cpuUsed()-cpu0 < 400*time.Millisecond && time.Since(start) < 5*time.Second {
			time.Sleep(10 * time.Millisecond)
		}
		close(done)
		return nil
	})
	if err != nil || !ok {
		t.Fatalf("profile: %v %v", ok, err)
	}
	if split.fakemeta == 0 || split.loadgen == 0 || split.engine == 0 {
		t.Fatalf("every component spun, the split saw %+v", split)
	}
	if r := split.report(100, split.engine+split.fakemeta+split.loadgen); !strings.Contains(r, "100% of the process's CPU") ||
		!strings.Contains(r, "the engine alone on") {
		t.Fatalf("report: %s", r)
	}
}

// The runtime merges samples with the same stack and labels into one entry whose
// samples/count value says how many it holds: a busy loop's ~60 samples are a handful of
// entries, and "profile samples" must count the samples.
func TestSplitCountsMergedSamples(t *testing.T) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Fatal(err)
	}
	// Spin until the process has used 0.6 s of CPU (the cores are shared: wall time alone
	// could give the loop a fraction of one).
	cpu0, start := cpuUsed(), time.Now()
	done := make(chan struct{})
	go spin("loadgen", done)
	for cpuUsed()-cpu0 < 600*time.Millisecond && time.Since(start) < 5*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	close(done)
	pprof.StopCPUProfile()
	used := cpuUsed() - cpu0
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	count := sampleTypeIndex(p, "samples", "count")
	if count < 0 {
		t.Fatalf("no samples/count in the profile's sample types %v", p.SampleType)
	}
	var summed int64
	for _, s := range p.Sample {
		summed += s.Value[count]
	}
	split, ok := splitByComponent(p)
	if !ok {
		t.Fatal("no split")
	}
	if int64(split.samples) != summed || split.samples <= len(p.Sample) {
		t.Fatalf("%d profile samples counted; the %d entries hold %d", split.samples, len(p.Sample), summed)
	}
	// At the profiler's 100 Hz the samples account for the CPU the process used.
	if sampled := time.Duration(split.samples) * time.Duration(p.Period); sampled < used/2 || sampled > used*3/2 {
		t.Fatalf("%d samples of %v are %v; the process used %v", split.samples, time.Duration(p.Period), sampled, used)
	}
	t.Logf("%d samples in %d entries; %v of CPU used", split.samples, len(p.Sample), used)
}

// spin burns CPU under the bench's component label until done.
func spin(component string, done chan struct{}) {
	run := func() {
		for x := 0; ; x++ {
			if x%1024 == 0 {
				select {
				case <-done:
					return
				default:
				}
			}
		}
	}
	if component == "" {
		run()
		return
	}
	pprof.Do(context.Background(), pprof.Labels(componentLabel, component), func(context.Context) { run() })
}
