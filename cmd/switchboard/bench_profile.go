package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// benchProfiles are the profiling flags every bench scenario takes: a CPU profile, an
// allocation profile and an execution trace of the whole run, engine and load generator
// together (they share the process, as they share the machine's cores).
type benchProfiles struct {
	cpu, mem, trace *string
}

func profileFlags(fs *flag.FlagSet) benchProfiles {
	return benchProfiles{
		cpu:   fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file"),
		mem:   fs.String("memprofile", "", "write an allocation profile of the whole run to this file (sampled every 64 KiB)"),
		trace: fs.String("trace", "", "write an execution trace of the whole run to this file"),
	}
}

// start begins the requested profiles; the returned function ends them and closes their files.
func (p benchProfiles) start() (func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if *p.cpu != "" {
		f, err := os.Create(*p.cpu)
		if err != nil {
			return stop, fmt.Errorf("bench: cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return stop, fmt.Errorf("bench: cpu profile: %w", err)
		}
		stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
	}
	if *p.mem != "" {
		f, err := os.Create(*p.mem)
		if err != nil {
			stop()
			return func() {}, fmt.Errorf("bench: allocation profile: %w", err)
		}
		// Sample every 64 KiB allocated (the runtime's default is 512 KiB): a 10 s run then
		// yields enough samples to rank the small per-message allocations.
		runtime.MemProfileRate = 64 << 10
		stops = append(stops, func() {
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fmt.Fprintf(os.Stderr, "bench: allocation profile: %v\n", err)
			}
			f.Close()
		})
	}
	if *p.trace != "" {
		f, err := os.Create(*p.trace)
		if err != nil {
			stop()
			return func() {}, fmt.Errorf("bench: trace: %w", err)
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			stop()
			return func() {}, fmt.Errorf("bench: trace: %w", err)
		}
		stops = append(stops, func() { trace.Stop(); f.Close() })
	}
	return stop, nil
}
