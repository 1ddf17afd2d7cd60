// Package bench holds Switchboard's load scenarios. Each starts what it measures on
// loopback, drives it for a bounded time, checks its own result (a run that lost or
// duplicated work fails instead of printing a number), and reports with the machine it ran
// on. `make bench` and `switchboard bench <scenario>` run them.
package bench
