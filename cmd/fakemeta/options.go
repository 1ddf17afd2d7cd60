package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/fakemeta"
)

// The fixtures' tenant A and the seed's placeholder token (API.md), so a freshly seeded
// engine talks to a freshly started fakemeta without any setting.
const (
	defaultNumber = "109881335267193:104996122399160:15550123456"
	defaultToken  = "EAAdemo-placeholder-access-token"
)

type numberSpec struct{ id, waba, display, token string }

type options struct {
	addr          string
	cfg           fakemeta.Config
	numbers       []numberSpec
	demoTemplates bool
	// onboarded false adds the numbers as Embedded Signup leaves them (AsAfterSignup).
	onboarded bool
	verbose   bool
	// inbound is the generated inbound traffic (--inbound-*); nil for none.
	inbound *fakemeta.Spec
}

// parseOptions reads flags, each defaulting to FAKEMETA_<NAME> from the environment and
// then to Meta's documented numbers.
func parseOptions(args []string, getenv func(string) string) (*options, error) {
	o := &options{cfg: fakemeta.DefaultConfig()}
	var p parser
	fs := flag.NewFlagSet("fakemeta", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env := func(name, def string) string {
		if v := getenv("FAKEMETA_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			return v
		}
		return def
	}
	str := func(v *string, name, def, usage string) { fs.StringVar(v, name, env(name, def), usage) }
	boolean := func(v *bool, name string, def bool, usage string) {
		fs.BoolVar(v, name, p.bool(name, env(name, strconv.FormatBool(def))), usage)
	}
	var (
		numbers, codes, errorCodes                                   string
		token                                                        string
		mps, pairBurst, maxSentLog, maxKeptMedia                     string
		pairEvery, latency, jitter, sentDelay, deliveredDelay, readD string
		errorRate, dupRate, reorderRate                              string
		hookTimeout, hookAttempts, hookBackoff, hookMaxBackoff       string
		hookConcurrency                                              string
		inRate, inUsers, inDuration, inMessages, inNumber            string
		codeTTL, batchWindow, dupDelay, mgmtBudget                   string
	)
	str(&o.addr, "addr", "127.0.0.1:8090", "listen address (keep it on loopback)")
	str(&o.cfg.AppID, "app-id", "1432009877312456", "Meta app id (code exchange, debug_token)")
	str(&o.cfg.AppSecret, "app-secret", "", "app secret: signs webhooks (X-Hub-Signature-256) and is checked as client_secret on code exchange (empty: any client_secret is accepted)")
	str(&o.cfg.CallbackURL, "callback-url", "http://127.0.0.1:5000/api/v1/webhook", "where webhooks are POSTed")
	str(&token, "token", defaultToken, "access token of the pre-registered numbers")
	str(&numbers, "numbers", defaultNumber, "comma-separated id:waba:display[:token] numbers to register")
	str(&codes, "codes", "", "comma-separated code=token Embedded Signup codes")
	str(&codeTTL, "code-ttl", "0s", "how long a code can be exchanged after fakemeta starts (Meta: 30s; 0 never expires, for codes a person uses later)")
	str(&mps, "mps", strconv.Itoa(fakemeta.DefaultThroughput), "messages per second per number (0 = unlimited)")
	str(&pairEvery, "pair-every", fakemeta.DefaultPairEvery.String(), "pair limit refill interval (0 disables the pair limit)")
	str(&pairBurst, "pair-burst", strconv.Itoa(fakemeta.DefaultPairBurst), "pair limit burst")
	boolean(&o.cfg.IgnoreWindow, "ignore-window", false, "accept free-form sends outside the 24 h window")
	boolean(&o.cfg.RewriteWaIDs, "rewrite-wa-ids", false, "answer sends to Brazilian and Mexican mobiles with the other form of the number as wa_id, as Meta may")
	str(&mgmtBudget, "management-budget", "0", "management calls (message_templates, phone_numbers, subscribed_apps, GET /{waba_id}) each WABA may make per rolling hour, then 80007 (Meta: 200; 0 = unlimited)")
	str(&latency, "latency", "0s", "added to every Graph answer")
	str(&jitter, "latency-jitter", "0s", "random extra latency up to this")
	str(&errorRate, "error-rate", "0", "probability a valid send fails")
	str(&errorCodes, "error-codes", "131000", "comma-separated codes drawn for --error-rate")
	str(&sentDelay, "sent-delay", o.cfg.Statuses.SentDelay.String(), "delay of the sent status webhook")
	str(&deliveredDelay, "delivered-delay", o.cfg.Statuses.DeliveredDelay.String(), "delay of the delivered status webhook")
	str(&readD, "read-delay", o.cfg.Statuses.ReadDelay.String(), "delay of the read status webhook")
	str(&dupRate, "duplicate-rate", "0", "probability a status webhook is posted twice")
	str(&dupDelay, "duplicate-delay", "500ms", "a duplicate is posted up to this long after its original (random), often after later statuses")
	str(&reorderRate, "reorder-rate", "0", "probability a message's statuses arrive in reverse order")
	str(&batchWindow, "status-batch-window", "0s", "batch a WABA's statuses coming due within this window into one POST, as Meta may (0: one POST per status)")
	boolean(&o.cfg.Statuses.SplitEntries, "split-entries", false, "spread a status batch over entries, one per message")
	boolean(&o.cfg.Statuses.NoContacts, "no-status-contacts", false, "statuses of phone sends without the 2026 contacts block and recipient_user_id, as the status fixtures show them")
	boolean(&o.cfg.NoInboundUserIDs, "no-inbound-user-ids", false, "a phone user's messages without the 2026 user_id and from_user_id, as the inbound fixtures show them")
	boolean(&o.cfg.Webhooks.LegacySignature, "webhook-sha1", false, "also sign webhooks with the legacy X-Hub-Signature: sha1=… header")
	boolean(&o.cfg.Statuses.SkipDelivered, "skip-delivered", false, "post no delivered status (Meta does when delivery and read coincide)")
	boolean(&o.cfg.Statuses.SkipRead, "skip-read", false, "stop at delivered: the user never reads")
	str(&hookTimeout, "webhook-timeout", "5s", "bound of one webhook POST")
	str(&hookAttempts, "webhook-attempts", "5", "tries of one webhook before it is dropped (Meta retries for 7 days)")
	str(&hookBackoff, "webhook-backoff", "100ms", "wait before a webhook's first retry, doubling")
	str(&hookMaxBackoff, "webhook-max-backoff", "2s", "longest wait between a webhook's retries")
	str(&hookConcurrency, "webhook-concurrency", "64", "webhook POSTs in flight at most")
	str(&inRate, "inbound-rate", "0", "generated inbound messages per second over all users (0 with no other --inbound-* flag: none)")
	str(&inUsers, "inbound-users", "0", "distinct users writing the generated inbound messages (wa_id 5511900 + 6 digits)")
	str(&inDuration, "inbound-duration", "0s", "how long the inbound generator runs (0: until --inbound-messages are sent)")
	str(&inMessages, "inbound-messages", "0", "how many inbound messages to generate (0: no count bound)")
	str(&inNumber, "inbound-number", "", "phone_number_id the generated messages are written to (default: the first of --numbers)")
	str(&maxSentLog, "max-sent-log", "100000", "accepted sends kept per number for GET /_fakemeta/sent/{phone_number_id} and tests, oldest dropped (0 = all, memory grows with every send)")
	str(&maxKeptMedia, "max-kept-media", strconv.Itoa(fakemeta.DefaultMaxKeptMedia), "bytes of uploaded files kept for download (GET /{media_id}'s url); uploads beyond are described but not downloadable")
	boolean(&o.demoTemplates, "demo-templates", true, "give each WABA the fixtures' templates")
	boolean(&o.onboarded, "onboarded", true, "numbers start registered, their WABAs subscribed to the app; false: as Embedded Signup leaves them (sends fail with 133010 until /register, no webhooks until subscribed_apps)")
	boolean(&o.verbose, "verbose", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, helpText("usage: fakemeta [flags]\n" + usage(fs) + injectionsHelp)
		}
		return nil, fmt.Errorf("%w\nusage:\n%s", err, usage(fs))
	}

	o.cfg.Throughput = p.int("mps", mps)
	o.cfg.PairBurst = p.int("pair-burst", pairBurst)
	o.cfg.MaxSentLog = p.int("max-sent-log", maxSentLog)
	o.cfg.ManagementBudget = p.int("management-budget", mgmtBudget)
	o.cfg.MaxKeptMedia = p.int("max-kept-media", maxKeptMedia)
	o.cfg.PairEvery = p.duration("pair-every", pairEvery)
	o.cfg.CodeTTL = p.duration("code-ttl", codeTTL)
	o.cfg.Latency = p.duration("latency", latency)
	o.cfg.LatencyJitter = p.duration("latency-jitter", jitter)
	o.cfg.ErrorRate = p.float("error-rate", errorRate)
	o.cfg.Statuses.SentDelay = p.duration("sent-delay", sentDelay)
	o.cfg.Statuses.DeliveredDelay = p.duration("delivered-delay", deliveredDelay)
	o.cfg.Statuses.ReadDelay = p.duration("read-delay", readD)
	o.cfg.Statuses.DuplicateRate = p.float("duplicate-rate", dupRate)
	o.cfg.Statuses.ReorderRate = p.float("reorder-rate", reorderRate)
	o.cfg.Statuses.DuplicateDelay = p.duration("duplicate-delay", dupDelay)
	o.cfg.Statuses.BatchWindow = p.duration("status-batch-window", batchWindow)
	o.cfg.Webhooks = fakemeta.WebhookConfig{
		Timeout: p.duration("webhook-timeout", hookTimeout), Attempts: p.int("webhook-attempts", hookAttempts),
		Backoff: p.duration("webhook-backoff", hookBackoff), MaxBackoff: p.duration("webhook-max-backoff", hookMaxBackoff),
		Concurrency: p.int("webhook-concurrency", hookConcurrency), LegacySignature: o.cfg.Webhooks.LegacySignature,
	}
	spec := fakemeta.Spec{PhoneNumberID: inNumber, Rate: p.rate("inbound-rate", inRate), Users: p.int("inbound-users", inUsers),
		Duration: p.duration("inbound-duration", inDuration), Messages: p.int("inbound-messages", inMessages)}
	for _, c := range splitList(errorCodes) {
		o.cfg.ErrorCodes = append(o.cfg.ErrorCodes, p.int("error-codes", c))
	}
	o.cfg.Codes = map[string]string{}
	for _, kv := range splitList(codes) {
		code, tok, ok := strings.Cut(kv, "=")
		if !ok || code == "" || tok == "" {
			p.fail("codes", kv, "want code=token")
			continue
		}
		o.cfg.Codes[code] = tok
	}
	for _, n := range splitList(numbers) {
		parts := strings.Split(n, ":")
		if len(parts) < 3 || len(parts) > 4 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			p.fail("numbers", n, "want id:waba:display[:token]")
			continue
		}
		spec := numberSpec{id: parts[0], waba: parts[1], display: parts[2], token: token}
		if len(parts) == 4 && parts[3] != "" {
			spec.token = parts[3]
		}
		o.numbers = append(o.numbers, spec)
	}
	if spec.Rate > 0 || spec.Users > 0 || spec.Duration > 0 || spec.Messages > 0 {
		if spec.PhoneNumberID == "" && len(o.numbers) > 0 {
			spec.PhoneNumberID = o.numbers[0].id
		}
		if spec.PhoneNumberID != "" && !slices.ContainsFunc(o.numbers, func(n numberSpec) bool { return n.id == spec.PhoneNumberID }) {
			// Found out at startup, not once the generator runs and logs it.
			p.fail("inbound-number", spec.PhoneNumberID, "not among --numbers")
		}
		o.inbound = &spec
		if spec.Duration == 0 && spec.Messages == 0 {
			p.fail("inbound-duration", inDuration, "the inbound generator needs --inbound-duration or --inbound-messages")
		}
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return o, nil
}

// server builds the configured fakemeta with its numbers and templates.
func (o *options) server() *fakemeta.Server {
	s := fakemeta.New(o.cfg)
	seen := map[string]bool{}
	for _, n := range o.numbers {
		if o.onboarded {
			s.AddNumber(n.id, n.waba, n.display, n.token)
		} else {
			s.AddNumber(n.id, n.waba, n.display, n.token, fakemeta.AsAfterSignup())
		}
		if o.demoTemplates && !seen[n.waba] {
			s.AddDemoTemplates(n.waba)
			seen[n.waba] = true
		}
	}
	return s
}

// helpText is the answer to --help: main prints it as it is, so it is the usage alone
// (wrapping flag.ErrHelp would print "flag: help requested" above it), and it still reads as
// flag.ErrHelp, which main exits 0 on.
type helpText string

func (h helpText) Error() string        { return string(h) }
func (h helpText) Is(target error) bool { return target == flag.ErrHelp }

// injectionsHelp ends --help: the deterministic faults are the Go package's, not flags.
const injectionsHelp = `
Failure injections: --error-rate and --error-codes fail sends at random. Deterministic
faults ("fail the next N sends with code X") are the Go package's API, for tests that run
fakemeta in-process (go doc github.com/switchboard/switchboard/fakemeta Server.FailNext):
FailNext, FailNextAsync, DropNextResponses, GatewayErrorNextResponses, DelayNextStatuses
(each number-wide, or for one recipient with fakemeta.To(recipient)), FailNextReadReceipts,
and FailNextCalls for the management endpoints (templates, phone numbers, subscribed_apps).
`

// usage lists the flags, their descriptions in one column as wide as the longest name needs.
func usage(fs *flag.FlagSet) string {
	width := 0
	fs.VisitAll(func(f *flag.Flag) { width = max(width, len(f.Name)) })
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		env := "FAKEMETA_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		fmt.Fprintf(&b, "  --%-*s %s (env %s, default %q)\n", width, f.Name, f.Usage, env, f.DefValue)
	})
	return b.String()
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parser converts flag strings, collecting every error so one run reports them all.
type parser struct{ errs []error }

func (p *parser) fail(name, value, why string) {
	p.errs = append(p.errs, fmt.Errorf("--%s %q: %s", name, value, why))
}

func (p *parser) int(name, v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		p.fail(name, v, "want a non-negative integer")
	}
	return n
}

func (p *parser) float(name, v string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > 1 {
		p.fail(name, v, "want a probability between 0 and 1")
	}
	return f
}

func (p *parser) rate(name, v string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 {
		p.fail(name, v, "want a non-negative number")
	}
	return f
}

func (p *parser) duration(name, v string) time.Duration {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < 0 {
		p.fail(name, v, "want a duration like 150ms")
	}
	return d
}

func (p *parser) bool(name, v string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		p.fail(name, v, "want true or false")
	}
	return b
}
