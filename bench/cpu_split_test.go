package bench

import (
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
		for _, c := range []string{"fakemeta", "loadgen", ""} {
			go spin(c, done)
		}
		time.Sleep(600 * time.Millisecond)
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
