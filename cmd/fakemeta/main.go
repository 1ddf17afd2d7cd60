// Command fakemeta runs the Meta stand-in (package fakemeta) as a process: the Graph API
// endpoints the engine calls, and signed webhooks posted to the engine. Point the engine
// at it with META_GRAPH_URL=http://127.0.0.1:8090 and give both the same app secret.
//
//	fakemeta [flags]       every flag also reads FAKEMETA_<NAME> (e.g. FAKEMETA_CALLBACK_URL)
//
// It pre-registers the fixtures' tenant A (number 109881335267193, WABA 104996122399160,
// display 15550123456) with --token, the seed's placeholder token by default, and the
// fixtures' templates. Extra numbers: --number id:waba:display[:token] (repeatable).
// Control endpoints: GET /_fakemeta/stats, GET /_fakemeta/sent/{phone_number_id},
// POST /_fakemeta/inbound {"phone_number_id","wa_id","name","text"}.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, nil)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Println(err)
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakemeta:", err)
		os.Exit(1)
	}
}

// run parses the settings, starts the server, calls ready with its address, and serves
// until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, ready func(addr string)) error {
	o, err := parseOptions(args, getenv)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	o.cfg.Logger = log

	if o.cfg.AppSecret == "" {
		log.Warn("no --app-secret: webhooks are signed with an empty key; give fakemeta the engine's WHATSAPP_APP_SECRET")
	}
	s := o.server()
	if err := s.Start(o.addr); err != nil {
		return err
	}
	log.Info("fakemeta ready", "url", s.URL(), "callback", o.cfg.CallbackURL, "numbers", len(o.numbers),
		"mps", o.cfg.Throughput, "signing", o.cfg.AppSecret != "")
	if ready != nil {
		ready(s.Addr())
	}
	<-ctx.Done()
	log.Info("fakemeta stopping")
	return s.Close()
}
