// Package bench holds Switchboard's load scenarios. Each starts what it measures on
// loopback, drives it for a bounded time, checks its own result (a run that lost or
// duplicated work fails instead of printing a number), and reports with the machine it ran
// on. `make bench` and `switchboard bench <scenario>` run them.
//
// The load generator and fakemeta run in the engine's process and on its cores. Their
// goroutines carry the pprof label component=loadgen or component=fakemeta, so a profile
// taken with --cpuprofile splits the CPU: `go tool pprof -tags bin/switchboard cpu.prof`
// gives their shares, and -tagignore 'component=loadgen|fakemeta' the engine's alone.
package bench
