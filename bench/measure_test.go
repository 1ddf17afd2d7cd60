package bench

import (
	"strings"
	"testing"
	"time"
)

// A phase's cost is what the phase took, not what wraps it: stopping the CPU profiler builds
// and symbolises the profile and the bench then parses it (tens of ms of wall time and CPU
// after a 10 s phase), all after the last send reached Meta. Counted, it lowered msg/s and
// raised the CPU per message.
func TestMeasureInsideCountsThePhaseAlone(t *testing.T) {
	const phaseTook, wrapperTook = 20 * time.Millisecond, 200 * time.Millisecond
	expensiveWrapper := func(f func() error) error {
		err := f()
		for end := time.Now().Add(wrapperTook); time.Now().Before(end); { // CPU, as a profile's build is
		}
		return err
	}
	var engineReads int
	engineCPU := func() (time.Duration, error) { engineReads++; return time.Duration(engineReads) * time.Second, nil }
	c, err := measureInside(expensiveWrapper, engineCPU, func() error { time.Sleep(phaseTook); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if c.elapsed < phaseTook || c.elapsed > phaseTook+wrapperTook/2 {
		t.Errorf("elapsed %v for a %v phase inside a %v wrapper", c.elapsed, phaseTook, wrapperTook)
	}
	if c.cpu > wrapperTook/2 {
		t.Errorf("CPU %v for a phase that slept, inside a wrapper that spun %v", c.cpu, wrapperTook)
	}
	if c.engineCPU != time.Second || engineReads != 2 {
		t.Errorf("engine CPU %v from %d reads, want 1s from 2", c.engineCPU, engineReads)
	}
	// The other work on the machine is read over the phase too: the whole run's share is
	// diluted by its setup, and the phase's figure is the one it moves.
	if !strings.Contains(c.others, "% of the machine's CPU went to other processes") {
		t.Errorf("other work during the phase: %q", c.others)
	}
}
