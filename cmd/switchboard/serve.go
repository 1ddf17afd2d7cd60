package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
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
	tuneRuntime(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	e, err := engine.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := refusePublishedPasswords(ctx, cfg, e); err != nil {
		_ = e.Shutdown(context.Background())
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
