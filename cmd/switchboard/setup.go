package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/engine"
)

// loadConfig reads the environment (falling back, in development, to the secrets kept in
// DATA_DIR), logs generated-secret warnings, and remembers generated secrets for next time.
func loadConfig() (*config.Config, *slog.Logger, error) {
	dataDir := os.Getenv("DATA_DIR")
	if dataDir == "" {
		dataDir = "./data"
	}
	lookup := config.Lookup(os.LookupEnv)
	// Trimmed as Load trims it: " production" must not read development secrets.
	if strings.TrimSpace(os.Getenv("APP_ENV")) != "production" {
		lookup = config.WithDevSecrets(lookup, dataDir)
	}
	cfg, warnings, err := config.Load(lookup)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(cfg)
	for _, w := range warnings {
		log.Warn(w)
	}
	if len(warnings) > 0 {
		if err := config.SaveDevSecrets(cfg, dataDir); err != nil {
			log.Warn("could not keep generated development secrets", "err", err)
		}
	}
	return cfg, log, nil
}

func newLogger(cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	log := slog.New(h)
	slog.SetDefault(log)
	return log
}

func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--help" || a == "-h" || a == "help" {
			return true
		}
	}
	return false
}

func writeEnvExample() { config.WriteEnvExample(os.Stdout) }

func noArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s takes no arguments (settings come from the environment; see serve --help)", cmd)
	}
	return nil
}

// withEngine runs a one-off command (seed, admin) on an engine that is wired but not serving,
// within a minute, and shuts it down after.
func withEngine(cfg *config.Config, log *slog.Logger, run func(context.Context, *engine.Engine) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := engine.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = e.Shutdown(context.Background()) }()
	return run(ctx, e)
}
