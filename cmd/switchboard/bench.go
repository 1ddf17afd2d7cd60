package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard/switchboard/bench"
)

const benchUsage = `Usage: switchboard bench <scenario> [flags]

Scenarios:
  webhook-ingest   signed inbound webhooks → ack latency at a fixed rate, then acks/s and
                   latency at saturation and processed messages/s, against a
                   bare-fasthttp ceiling measured in the same run
  send-throughput  sends through the API to fakemeta with limits lifted → messages/s from
                   API call to sent, and the send API's latency at a fixed rate
  pacing           numbers with different rates and a backlog → per number: configured
                   rate, achieved rate, worst one-second window at Meta
`

func runBench(args []string) error {
	if len(args) == 0 || wantsHelp(args[:1]) {
		fmt.Print(benchUsage)
		return nil
	}
	tuneRuntime(slog.Default())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "webhook-ingest":
		s := bench.DefaultWebhookIngest()
		fs := flag.NewFlagSet("webhook-ingest", flag.ContinueOnError)
		fs.IntVar(&s.AckRate, "ack-rate", s.AckRate, "webhooks/s of the fixed-rate ack-latency phase, run before the closed loop (0 skips it)")
		fs.DurationVar(&s.AckRateDuration, "ack-rate-duration", s.AckRateDuration, "length of the fixed-rate ack-latency phase")
		fs.DurationVar(&s.Duration, "duration", s.Duration, "closed-loop load time against the engine")
		fs.DurationVar(&s.CeilingDuration, "ceiling-duration", s.CeilingDuration, "load time against the bare fasthttp handler")
		fs.IntVar(&s.Concurrency, "concurrency", s.Concurrency, "closed-loop clients")
		fs.IntVar(&s.Tenants, "tenants", s.Tenants, "tenants")
		fs.IntVar(&s.Conversations, "conversations", s.Conversations, "conversations per tenant")
		fs.IntVar(&s.MessagesPerRequest, "batch", s.MessagesPerRequest, "messages per webhook body")
		fs.DurationVar(&s.DrainTimeout, "drain-timeout", s.DrainTimeout, "how long processing may take after the load")
		fs.BoolVar(&s.AckOnly, "ack-only", false, "store webhooks without processing them (measures the ack path alone)")
		return runScenario(fs, args, func(w io.Writer) error {
			_, err := s.Run(ctx, w)
			return err
		})
	case "send-throughput":
		s := bench.DefaultSendThroughput()
		fs := flag.NewFlagSet("send-throughput", flag.ContinueOnError)
		fs.DurationVar(&s.Duration, "duration", s.Duration, "closed-loop load time")
		fs.IntVar(&s.Concurrency, "concurrency", s.Concurrency, "closed-loop clients")
		fs.IntVar(&s.Tenants, "tenants", s.Tenants, "tenants")
		fs.IntVar(&s.Conversations, "conversations", s.Conversations, "conversations per tenant")
		fs.IntVar(&s.LatencyRate, "latency-rate", s.LatencyRate, "requests/s of the fixed-rate latency phase (0 skips it)")
		fs.DurationVar(&s.LatencyDuration, "latency-duration", s.LatencyDuration, "length of the latency phase")
		fs.IntVar(&s.Backlog, "backlog", s.Backlog, "messages per tenant of the backlog phase, queued at once and drained by the sender alone (0 skips it)")
		fs.DurationVar(&s.CeilingDuration, "ceiling-duration", s.CeilingDuration, "load time against a bare handler, the run's machine pace (0 skips it)")
		fs.StringVar(&s.EngineCPUs, "engine-cpus", "", "run the engine apart, in its own `serve` process pinned to these CPUs (\"0\", \"0-1\"); the ceiling and backlog phases are then skipped")
		fs.BoolVar(&s.CPUSplit, "cpu-split", s.CPUSplit, "profile the throughput phase to split its CPU between the engine, fakemeta and the load generator (the profiler costs CPU of its own; off, the phase runs as served)")
		fs.StringVar(&s.LoadCPUs, "load-cpus", "", "with --engine-cpus: the CPUs of the load generator and fakemeta (default: every other CPU)")
		return runScenario(fs, args, func(w io.Writer) error {
			if s.EngineCPUs != "" {
				bin, err := os.Executable()
				if err != nil {
					return fmt.Errorf("bench: this binary, to run the engine apart: %w", err)
				}
				s.EngineBinary = bin
			}
			return s.Run(ctx, w)
		})
	case "pacing":
		p := bench.DefaultPacing()
		fs := flag.NewFlagSet("pacing", flag.ContinueOnError)
		fs.DurationVar(&p.Duration, "duration", p.Duration, "measurement window")
		fs.Func("rates", "comma-separated messages/s, one number each (default 20,50,80)", func(v string) error {
			var rates []int
			for _, f := range strings.Split(v, ",") {
				r, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || r < 1 || r > 1000 {
					return fmt.Errorf("rate %q: want 1..1000", f)
				}
				rates = append(rates, r)
			}
			p.Rates = rates
			return nil
		})
		return runScenario(fs, args, func(w io.Writer) error { return p.Run(ctx, w) })
	default:
		return fmt.Errorf("unknown bench scenario %q\n\n%s", args[0], benchUsage)
	}
}

// runScenario adds the flags every scenario takes (profiles, --record) to the scenario's own,
// parses args, and runs it under the requested profiles.
func runScenario(fs *flag.FlagSet, args []string, run func(io.Writer) error) error {
	prof := profileFlags(fs)
	record := fs.String("record", "", "append the report, dated and with the version, to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	stopProfiles, err := prof.start()
	if err != nil {
		return err
	}
	defer stopProfiles()
	return recorded(*record, args, run)
}

// recorded runs a scenario printing to stdout and, when file is set, appends the report with
// the date and version to it.
func recorded(file string, args []string, run func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := run(io.MultiWriter(os.Stdout, &buf)); err != nil {
		return err
	}
	if file == "" {
		return nil
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "\n## %s  switchboard %s  %s\n%s", time.Now().UTC().Format(time.RFC3339), version, strings.Join(args, " "), buf.String())
	return err
}
