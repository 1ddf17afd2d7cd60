// Command fakemeta runs the Meta stand-in (package fakemeta) as a process: the Graph API
// endpoints the engine calls, and signed webhooks posted to the engine. Point the engine
// at it with META_GRAPH_URL=http://127.0.0.1:8090 and give both the same app secret.
//
//	fakemeta [flags]       every flag also reads FAKEMETA_<NAME> (e.g. FAKEMETA_CALLBACK_URL)
//
// It pre-registers the fixtures' tenant A (number 109881335267193, WABA 104996122399160,
// display 15550123456) with --token, the seed's placeholder token by default, and the
// fixtures' templates. Other numbers: --numbers id:waba:display[:token],… (comma-separated;
// the list replaces tenant A, so name it too to keep it). They start onboarded — registered,
// their WABAs subscribed to the app; --onboarded=false starts them as Embedded Signup
// leaves them, so an onboarding flow must subscribe the WABA (else its webhooks are dropped)
// and register the number (else sends fail with 133010).
// Embedded Signup codes: --codes code=token,… exchange once each at
// GET /{v}/oauth/access_token; they never expire unless --code-ttl is set (30s is Meta's).
// Control endpoints: GET /_fakemeta/stats, GET /_fakemeta/sent/{phone_number_id},
// POST /_fakemeta/inbound {"phone_number_id","wa_id","name","text"}.
//
// Inbound traffic: any --inbound-* flag starts the generator once fakemeta listens —
// signed inbound text webhooks from --inbound-users simulated users at --inbound-rate
// messages per second to --inbound-number (default the first of --numbers), until
// --inbound-duration or --inbound-messages is reached (one of them is required), or
// fakemeta stops. Its report is logged. For example, 50 users writing 200 messages a second for a minute:
//
//	fakemeta --inbound-users 50 --inbound-rate 200 --inbound-duration 1m
//
// Statuses and webhook delivery: --skip-delivered, --skip-read, --duplicate-rate,
// --duplicate-delay, --reorder-rate, and --webhook-timeout, --webhook-attempts,
// --webhook-backoff, --webhook-max-backoff, --webhook-concurrency for the retries. Shapes:
// --status-batch-window batches a WABA's statuses into one POST (--split-entries over
// several entries), --webhook-sha1 adds the legacy X-Hub-Signature header, and
// --no-status-contacts drops the 2026 contacts block from the statuses of phone sends, and
// --no-inbound-user-ids the 2026 user_id from a phone user's messages.
//
// Failures: --error-rate and --error-codes fail sends at random; --management-budget limits
// each WABA's management calls an hour, as Meta does (200), answering 80007 beyond it. The deterministic
// injections ("fail the next N sends with code X", per number or per recipient) are the
// package's Go API, for tests running fakemeta in-process (package fakemeta, inject.go).
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
	generated := make(chan struct{})
	if o.inbound != nil {
		go func() {
			defer close(generated)
			rep, err := s.GenerateInbound(ctx, *o.inbound)
			log.Info("inbound generator done", "sent", rep.Sent, "delivered", rep.Delivered, "failed", rep.Failed,
				"elapsed", rep.Elapsed, "err", err)
		}()
	} else {
		close(generated)
	}
	<-ctx.Done()
	log.Info("fakemeta stopping")
	err = s.Close()
	<-generated
	return err
}
