package bench

import "time"

// phaseCost is what a measured phase took: wall time, this process's CPU, and the CPU of the
// engine's own process when it runs apart; others is the machine's other work meanwhile
// (otherWork), which moves a phase's figures more than most changes do.
type phaseCost struct {
	elapsed, cpu, engineCPU time.Duration
	others                  string
}

// measureInside runs phase under wrap (the CPU profiler, or nothing) and returns its cost,
// read inside wrap: stopping the profiler builds and symbolises the profile, and the bench
// then parses it, tens of ms of wall time and CPU once the phase is over. Read outside, they
// lowered msg/s and raised the CPU per message. engineCPU, when set, reads the engine
// apart's CPU so far.
func measureInside(wrap func(func() error) error, engineCPU func() (time.Duration, error), phase func() error) (phaseCost, error) {
	var c phaseCost
	err := wrap(func() error {
		host0, herr := readHostTimes()
		start, cpu0 := time.Now(), cpuUsed()
		var engine0 time.Duration
		if engineCPU != nil {
			var err error
			if engine0, err = engineCPU(); err != nil {
				return err
			}
		}
		if err := phase(); err != nil {
			return err
		}
		c.elapsed, c.cpu = time.Since(start), cpuUsed()-cpu0
		host1, herr1 := readHostTimes()
		if engineCPU != nil {
			after, err := engineCPU()
			if err != nil {
				return err
			}
			c.engineCPU = after - engine0
		}
		c.others = "unknown"
		if herr == nil && herr1 == nil { // the engine apart is ours, not other work
			c.others = otherWork(host0, host1, c.cpu+c.engineCPU)
		}
		return nil
	})
	return c, err
}
