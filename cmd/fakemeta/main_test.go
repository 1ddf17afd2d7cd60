package main

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

func TestParseOptions(t *testing.T) {
	env := map[string]string{"FAKEMETA_MPS": "1000", "FAKEMETA_APP_SECRET": "from-env"}
	o, err := parseOptions([]string{"--numbers", defaultNumber + ",121784409931577:118230547702211:447700900123:EAA-b", "--pair-every", "0", "--codes", "c1=t1"},
		func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "127.0.0.1:8090" || o.cfg.Throughput != 1000 || o.cfg.AppSecret != "from-env" || o.cfg.PairEvery != 0 || o.cfg.Codes["c1"] != "t1" {
		t.Fatalf("%+v", o)
	}
	if len(o.numbers) != 2 || o.numbers[0].token != defaultToken || o.numbers[1].token != "EAA-b" {
		t.Fatalf("%+v", o.numbers)
	}
	_, err = parseOptions([]string{"--mps", "fast", "--error-rate", "2", "--numbers", "only-an-id"}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "--mps") || !strings.Contains(err.Error(), "--error-rate") || !strings.Contains(err.Error(), "--numbers") {
		t.Fatalf("want every bad flag reported: %v", err)
	}
}

// The flags the command's doc names parse into the configuration: --numbers (the list
// replaces tenant A), the inbound generator, status and webhook delivery options.
func TestDocumentedFlags(t *testing.T) {
	none := func(string) string { return "" }
	cases := []struct {
		name  string
		args  []string
		check func(o *options) bool
		err   string
	}{
		{"--numbers, comma-separated", []string{"--numbers", "1:2:3,4:5:6:tok"},
			func(o *options) bool {
				return len(o.numbers) == 2 && o.numbers[0] == numberSpec{"1", "2", "3", defaultToken} && o.numbers[1].token == "tok"
			}, ""},
		{"no --number", []string{"--number", "1:2:3"}, nil, "flag provided but not defined: -number"},
		{"inbound generator", []string{"--inbound-users", "50", "--inbound-rate", "200", "--inbound-duration", "1m"},
			func(o *options) bool {
				in := o.inbound
				return in != nil && in.PhoneNumberID == "109881335267193" && in.Users == 50 && in.Rate == 200 && in.Duration == time.Minute
			}, ""},
		{"inbound to a number, by count", []string{"--numbers", "1:2:3,42:5:6", "--inbound-number", "42", "--inbound-messages", "10"},
			func(o *options) bool {
				return o.inbound != nil && o.inbound.PhoneNumberID == "42" && o.inbound.Messages == 10
			}, ""},
		{"inbound to a number fakemeta does not have", []string{"--inbound-number", "42", "--inbound-messages", "10"}, nil,
			`--inbound-number "42": not among --numbers`},
		{"no generator by default", nil, func(o *options) bool { return o.inbound == nil }, ""},
		{"--codes wait for a person by default", []string{"--codes", "AQD=EAA"}, func(o *options) bool { return o.cfg.CodeTTL == 0 }, ""},
		{"numbers onboarded by default", nil, func(o *options) bool {
			s := o.server()
			defer s.Close()
			return o.onboarded && s.Registered("109881335267193") && s.Subscribed("104996122399160")
		}, ""},
		{"--onboarded=false: as Embedded Signup leaves them", []string{"--onboarded=false"}, func(o *options) bool {
			s := o.server()
			defer s.Close()
			return !s.Registered("109881335267193") && !s.Subscribed("104996122399160")
		}, ""},
		{"webhook shapes", []string{"--status-batch-window", "250ms", "--split-entries", "--duplicate-delay", "2s", "--webhook-sha1", "--no-status-contacts", "--no-inbound-user-ids"},
			func(o *options) bool {
				st := o.cfg.Statuses
				return st.BatchWindow == 250*time.Millisecond && st.SplitEntries && st.DuplicateDelay == 2*time.Second &&
					st.NoContacts && o.cfg.Webhooks.LegacySignature && o.cfg.NoInboundUserIDs
			}, ""},
		{"--management-budget", []string{"--management-budget", "200"}, func(o *options) bool { return o.cfg.ManagementBudget == 200 }, ""},
		{"no management budget by default", nil, func(o *options) bool { return o.cfg.ManagementBudget == 0 }, ""},
		{"webhook shapes off by default", nil, func(o *options) bool {
			st := o.cfg.Statuses
			return st.BatchWindow == 0 && !st.SplitEntries && !st.NoContacts && !o.cfg.Webhooks.LegacySignature && !o.cfg.NoInboundUserIDs
		}, ""},
		{"--code-ttl as Meta's", []string{"--code-ttl", "30s"}, func(o *options) bool { return o.cfg.CodeTTL == 30*time.Second }, ""},
		{"an unbounded generator is refused", []string{"--inbound-rate", "5"}, nil, "--inbound-duration"},
		{"statuses and webhook retries", []string{"--skip-delivered", "--skip-read", "--webhook-attempts", "3", "--webhook-backoff", "1s",
			"--webhook-max-backoff", "1m", "--webhook-timeout", "2s", "--webhook-concurrency", "8"},
			func(o *options) bool {
				return o.cfg.Statuses.SkipDelivered && o.cfg.Statuses.SkipRead && o.cfg.Webhooks == fakemeta.WebhookConfig{
					Timeout: 2 * time.Second, Attempts: 3, Backoff: time.Second, MaxBackoff: time.Minute, Concurrency: 8}
			}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseOptions(tc.args, none)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !tc.check(o) {
				t.Fatalf("%+v %v", o, err)
			}
		})
	}
}

// The binary's defaults serve the seeded demo tenant: its placeholder token sends through
// the fixtures' number, and the fixtures' templates are there.
func TestRunServesDemoTenant(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--callback-url", "", "--ignore-window"}, func(string) string { return "" },
			func(a string) { addrs <- a })
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
	c, err := graph.NewClient(graph.ClientOptions{BaseURL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	tctx, tcancel := context.WithTimeout(ctx, 5*time.Second)
	defer tcancel()
	r, err := c.SendMessage(tctx, defaultToken, "109881335267193", graph.NewMessage("+5511987654321").WithTemplate(
		graph.NewTemplate("login_code", "pt_BR", graph.BodyComponent(graph.TextParam("123456")),
			graph.ButtonComponent("url", 0, graph.TextParam("123456")))))
	if err != nil || r.WAMID() == "" {
		t.Fatalf("%+v %v", r, err)
	}
	page, err := c.ListTemplates(tctx, defaultToken, "104996122399160", "")
	if err != nil || len(page.Data) != 5 {
		t.Fatalf("%+v %v", page, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop")
	}
}

// --help (and -h) prints the usage, which main writes out as the error's text: it starts with
// the usage line, not the flag package's "flag: help requested", and still reads as ErrHelp
// so main exits 0.
func TestHelpIsTheUsage(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		_, err := parseOptions([]string{arg}, func(string) string { return "" })
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s: want flag.ErrHelp, got %v", arg, err)
		}
		if text := err.Error(); !strings.HasPrefix(text, "usage: fakemeta [flags]\n") || !strings.Contains(text, "--app-secret") {
			t.Fatalf("%s printed:\n%s", arg, text)
		}
	}
	// The descriptions start in one column, after the longest name too.
	_, err := parseOptions([]string{"-h"}, func(string) string { return "" })
	column := -1
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "  --") {
			continue
		}
		name, _, _ := strings.Cut(line[4:], " ")
		at := 4 + len(name) + len(line[4+len(name):]) - len(strings.TrimLeft(line[4+len(name):], " "))
		if column == -1 {
			column = at
		}
		if at != column {
			t.Errorf("--%s's description starts at %d, the first's at %d:\n%s", name, at, column, line)
		}
	}
}
