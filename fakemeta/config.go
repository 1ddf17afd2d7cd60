package fakemeta

import (
	"log/slog"
	"time"
)

// Config shapes the stand-in. The zero value is a permissive Meta: no throughput or pair
// limit, no latency, statuses posted at once; DefaultConfig gives Meta's own numbers.
type Config struct {
	// AppID and AppName describe the Meta app (debug_token, subscribed_apps); AppSecret
	// signs webhooks (X-Hub-Signature-256) and is the client_secret of code exchanges.
	AppID     string
	AppName   string
	AppSecret string
	// CallbackURL receives every webhook unless a WABA set an override through
	// POST /{waba_id}/subscribed_apps. Empty: webhooks are counted as dropped.
	CallbackURL string

	// Throughput is each number's messages-per-second limit (sliding one-second window);
	// beyond it sends fail with 130429. 0 means unlimited. SetThroughput changes one number.
	Throughput int
	// PairEvery and PairBurst are the pair rate limit per (number, recipient), as Meta
	// documents it (pairBurst): one message per PairEvery, bursts of up to
	// PairBurst within one PairEvery borrowed — each message owes one PairEvery, and after
	// a burst the recipient takes nothing until the debt is paid; beyond it 131056.
	// PairEvery 0 disables it.
	PairEvery time.Duration
	PairBurst int
	// IgnoreWindow accepts free-form messages outside the 24-hour customer-service window
	// instead of failing them (asynchronously, 131047) as Meta does.
	IgnoreWindow bool
	// NoInboundUserIDs posts a phone user's messages in the shape the inbound fixtures show:
	// contacts[{profile, wa_id}] and from, without user_id. By default they carry the 2026
	// shape (WHATSAPP.md §1.5: "every messages webhook gains contacts[].user_id and
	// messages[].from_user_id"), the user id being UserIDOf the sender, as their statuses do.
	NoInboundUserIDs bool
	// RewriteWaIDs answers sends to Brazilian and Mexican mobiles with the other form of the
	// number as the wa_id, as Meta may (WHATSAPP.md §2): +55 area 9XXXXXXXX → 55 area
	// XXXXXXXX, +52 + 10 digits → 521 + 10 digits. Statuses then name that wa_id too.
	RewriteWaIDs bool

	// Latency (+ a uniform random part up to LatencyJitter) delays every Graph answer;
	// requests are taken (limits, stats) on arrival.
	Latency       time.Duration
	LatencyJitter time.Duration
	// ErrorRate is the probability that a valid send fails with one of ErrorCodes
	// (default 131000). FailNext and FailNextAsync inject errors deterministically.
	ErrorRate  float64
	ErrorCodes []int

	// ManagementBudget is how many management calls (message_templates, phone_numbers,
	// subscribed_apps, GET /{waba_id}) each WABA may make in a rolling hour; beyond it they
	// fail with 80007 and X-Business-Use-Case-Usage's estimated_time_to_regain_access, as
	// at Meta (WHATSAPP.md §3: 200 an hour). 0, the default, is unlimited.
	// FailNextCalls injects faults into those endpoints (and GET /{phone_number_id}).
	ManagementBudget int

	// Statuses shapes the status webhooks of accepted sends.
	Statuses StatusConfig
	// Webhooks shapes webhook delivery.
	Webhooks WebhookConfig

	// Codes maps Embedded Signup codes to the business tokens they exchange for (single
	// use, like Meta's). AddCode adds more.
	Codes map[string]string
	// CodeTTL is how long a code can be exchanged after it is added (New for Codes,
	// AddCode): Meta's live 30 seconds (WHATSAPP.md §4.2), so a backend that exchanges late
	// fails here as there. 0 never expires them (a demo's codes wait for a person).
	CodeTTL time.Duration
	// MaxSentLog bounds each number's log of accepted messages (oldest dropped); 0 keeps all.
	MaxSentLog int
	// MaxKeptMedia bounds the bytes of uploads kept for download (0: DefaultMaxKeptMedia).
	// Uploads beyond it are still taken and described, but their download is 404.
	MaxKeptMedia int
	// Clock is the time limits, windows and timestamps are computed with; nil is time.Now.
	// Tests step a fake clock instead of sleeping. Webhook delays use real timers.
	Clock func() time.Time
	// Logger receives one line per notable event; nil discards.
	Logger *slog.Logger
}

// StatusConfig shapes the status webhooks fakemeta posts for each accepted send.
type StatusConfig struct {
	// Disabled posts no statuses at all (failed ones included).
	Disabled bool
	// Delays after the send at which sent, delivered and read are posted.
	SentDelay      time.Duration
	DeliveredDelay time.Duration
	ReadDelay      time.Duration
	// SkipDelivered omits delivered (Meta does when delivery and read coincide); SkipRead
	// stops at delivered (the user never opened it).
	SkipDelivered bool
	SkipRead      bool
	// DuplicateRate is the probability that each status webhook is posted twice.
	DuplicateRate float64
	// DuplicateDelay bounds the random extra delay after which a duplicate is posted
	// (Meta's duplicates are retries, often landing after the message's later statuses);
	// 0 is 500 ms.
	DuplicateDelay time.Duration
	// ReorderRate is the probability that a message's statuses arrive in reverse order
	// (read before delivered before sent), as seen in the wild.
	ReorderRate float64
	// BatchWindow, when positive, batches status webhooks as Meta does ("aggregated and
	// sent in a batch with a maximum of 1000 updates", WHATSAPP.md §1.3): the first status
	// of a WABA coming due opens a batch, and every status of that WABA coming due within
	// the window — of any message, several of one message included — rides in the same
	// POST, one change per number. 0 (the default) posts every status on its own.
	BatchWindow time.Duration
	// SplitEntries spreads a batch over several entries (all of the WABA): one per message.
	SplitEntries bool
	// NoContacts posts the statuses of phone sends in the shape every status fixture shows:
	// no contacts block and no recipient_user_id. By default they carry the 2026 shape
	// (WHATSAPP.md §1.5): contacts[{profile, wa_id, user_id}] on all but failed, and
	// recipient_user_id, the user id being UserIDOf the recipient.
	NoContacts bool
}

// WebhookConfig shapes webhook delivery. Zero values take the defaults noted.
type WebhookConfig struct {
	// Timeout bounds one POST; default 5 s.
	Timeout time.Duration
	// Attempts is how many times one webhook is tried before it is dropped (Meta retries
	// for 7 days; a test stand-in must give up sooner); default 5.
	Attempts int
	// Backoff is the wait before the first retry, doubling up to MaxBackoff; defaults
	// 100 ms and 2 s.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Concurrency bounds POSTs in flight (Meta delivers concurrently) and is how many
	// goroutines post status webhooks, however many are pending; default 64.
	Concurrency int
	// LegacySignature also signs every webhook with the legacy X-Hub-Signature: sha1=…
	// header, which "may also be present" next to X-Hub-Signature-256 (WHATSAPP.md §1.2):
	// a receiver must verify the -256 one and ignore this one.
	LegacySignature bool
}

// Meta's documented numbers (WHATSAPP.md §3).
const (
	DefaultThroughput = 80               // messages per second per number
	DefaultPairEvery  = 6 * time.Second  // one message per 6 s to the same user…
	DefaultPairBurst  = 45               // …with bursts of up to 45
	DefaultCodeTTL    = 30 * time.Second // an Embedded Signup code's life
	defaultAppID      = "1432009877312456"
	defaultAppName    = "Switchboard fakemeta"
)

// DefaultConfig is Meta as documented: 80 mps per number, the pair limit, the 24-hour
// window, 30-second signup codes, and statuses arriving over a fraction of a second.
func DefaultConfig() Config {
	return Config{
		Throughput: DefaultThroughput,
		PairEvery:  DefaultPairEvery,
		PairBurst:  DefaultPairBurst,
		CodeTTL:    DefaultCodeTTL,
		Statuses: StatusConfig{
			SentDelay:      50 * time.Millisecond,
			DeliveredDelay: 150 * time.Millisecond,
			ReadDelay:      500 * time.Millisecond,
		},
	}
}

func (c *Config) applyDefaults() {
	if c.AppID == "" {
		c.AppID = defaultAppID
	}
	if c.AppName == "" {
		c.AppName = defaultAppName
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if len(c.ErrorCodes) == 0 {
		c.ErrorCodes = []int{131000}
	}
	if c.PairBurst <= 0 {
		c.PairBurst = 1
	}
	w := &c.Webhooks
	if w.Timeout <= 0 {
		w.Timeout = 5 * time.Second
	}
	if w.Attempts <= 0 {
		w.Attempts = 5
	}
	if w.Backoff <= 0 {
		w.Backoff = 100 * time.Millisecond
	}
	if w.MaxBackoff <= 0 {
		w.MaxBackoff = 2 * time.Second
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 64
	}
}
