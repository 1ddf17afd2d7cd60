package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/engine"
)

func serve(args []string) error {
	if wantsHelp(args) {
		fmt.Println("Usage: switchboard serve\n\nRuns one node. Every setting comes from the environment (or a .env you export):")
		config.WriteHelp(os.Stdout)
		return nil
	}
	if err := noArgs("serve", args); err != nil {
		return err
	}
	cfg, log, err := loadConfig()
	if err != nil {
		return err
	}
	tuneGC(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	e, err := engine.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := e.Start(); err != nil {
		_ = e.Shutdown(context.Background())
		return err
	}
	<-ctx.Done()
	stop() // a second signal now kills the process at once
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := e.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// defaultGCPercent trades memory for CPU: the engine allocates per message, and at Go's
// default of 100 the collector's work costs about a quarter of webhook throughput
// (bench/results.md). Operators keep control: GOGC set in the environment wins, and GOMEMLIMIT
// caps the heap whatever the percentage.
const defaultGCPercent = 400

func tuneGC(log *slog.Logger) {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(defaultGCPercent)
	log.Debug("GOGC not set; using a higher default", "gc_percent", defaultGCPercent)
}
