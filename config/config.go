package config

import "time"

// Config is every setting of a Switchboard node. Tags:
//
//	env:     the environment variable (names kept from the Node.js platform it replaces)
//	default: the value when unset ("" = empty)
//	group:   the section in --help and .env.example
//	secret:  generated in development when unset, required in production
//	doc:     one sentence for operators
type Config struct {
	AppEnv   string `env:"APP_ENV" default:"development" group:"Server" doc:"development, test or production; production refuses to start without every secret."`
	Host     string `env:"HOST" default:"127.0.0.1" group:"Server" doc:"Address the HTTP edge binds to: this machine only by default (make run serves the seed users, whose passwords are published); 0.0.0.0 for every interface, as the container image sets."`
	Port     int    `env:"PORT" default:"5000" group:"Server" doc:"Port of the HTTP edge (REST, webhook, metrics)."`
	LogLevel string `env:"LOG_LEVEL" default:"info" group:"Server" doc:"debug, info, warn or error."`
	// LogFormat json suits collectors; text suits a terminal.
	LogFormat       string        `env:"LOG_FORMAT" default:"text" group:"Server" doc:"text or json."`
	MetricsToken    string        `env:"METRICS_TOKEN" default:"" group:"Server" doc:"When set, GET /metrics answers only requests with Authorization: Bearer and this token (Prometheus' authorization credentials); at least 32 characters (e.g. openssl rand -hex 32), start-up refuses a shorter one; wrong tokens count against RATE_LIMIT_AUTH_FAILURES. Unset, /metrics is open to whoever reaches the port."`
	AdminAddr       string        `env:"ADMIN_ADDR" default:"127.0.0.1:6060" group:"Server" doc:"Address of the admin listener serving pprof; empty disables it. Keep it off public interfaces."`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" default:"15s" group:"Server" doc:"How long a graceful stop waits for in-flight requests and the store flush."`
	TrustProxy      ProxyHops     `env:"TRUST_PROXY" default:"false" group:"Server" doc:"Proxies in front of the engine that append to X-Forwarded-For: false (none: the connection's address is the client's), true (one, a load balancer) or their number (a CDN and a load balancer: 2). The client IP is the entry the outermost trusted proxy wrote, counted from the right, where a client cannot forge it. Set only behind proxies you control."`
	FrontendURL     []string      `env:"FRONTEND_URL" default:"http://localhost:3000" group:"Server" doc:"Comma-separated origins allowed by CORS."`
	MaxConnsPerIP   ConnLimit     `env:"MAX_CONNS_PER_IP" default:"auto" group:"Server" doc:"Open connections one client address may hold (an IPv6 client counted by its /64); a connection beyond it is answered 429 rate_limited and closed, so one client cannot take every connection (slowloris). auto: 512 when TRUST_PROXY is false, off behind proxies (every connection then comes from a proxy, which must bound its clients); 0 turns it off."`

	APIBodyLimit            ByteSize `env:"API_BODY_LIMIT" default:"1MiB" group:"Limits" doc:"Largest REST request body; larger answers 413."`
	WebhookBodyLimit        ByteSize `env:"WEBHOOK_BODY_LIMIT" default:"3MiB" group:"Limits" doc:"Largest webhook body (Meta sends up to 3 MB); larger answers 413."`
	MediaUploadLimit        ByteSize `env:"MEDIA_UPLOAD_LIMIT" default:"16MiB" group:"Limits" doc:"Largest media upload (POST /media), form included; larger answers 413. Meta takes images up to 5 MB, video and audio 16 MB, documents 100 MB."`
	BodyMemoryLimit         ByteSize `env:"BODY_MEMORY_LIMIT" default:"256MiB" group:"Limits" doc:"Memory all request bodies in flight may hold together (the HTTP server allocates a body's whole declared length, rounded up to a power of two, before reading it); a request whose body would pass it is answered 503 service_unavailable with Retry-After from its headers, so clients from many addresses declaring large bodies cannot pin connections × limit bytes. Bodies of 4 KiB or less are not counted; a chunked body counts as its route's limit. At least twice the largest of API_BODY_LIMIT, WEBHOOK_BODY_LIMIT and MEDIA_UPLOAD_LIMIT."`
	RateLimitAPI            RateRule `env:"RATE_LIMIT_API" default:"100/15m" group:"Limits" doc:"Requests per user to the REST API, as count/window: every authenticated request but sends and media uploads, which count against RATE_LIMIT_SEND alone, and fetches of one message, against RATE_LIMIT_MESSAGE_FETCH alone (requests without a valid token: RATE_LIMIT_AUTH_FAILURES)."`
	RateLimitAuthFailures   RateRule `env:"RATE_LIMIT_AUTH_FAILURES" default:"100/15m" group:"Limits" doc:"Requests without a valid token (401s) per client IP, as count/window; beyond it they are answered 429."`
	RateLimitAuth           RateRule `env:"RATE_LIMIT_AUTH" default:"10/15m" group:"Limits" doc:"Login attempts per client IP, as count/window."`
	RateLimitLoginAccount   RateRule `env:"RATE_LIMIT_LOGIN_ACCOUNT" default:"10/15m" group:"Limits" doc:"Failed logins per account (the email asked for, known or not), as count/window. Beyond it, an address that failed on the account within the window is refused before its password is checked; other addresses keep their try, so a guesser with many IPs gets one guess per address and an attacker cannot lock the owner out."`
	RateLimitWebhookRefused RateRule `env:"RATE_LIMIT_WEBHOOK_REFUSED" default:"100/15m" group:"Limits" doc:"Webhook POSTs refused for a missing or wrong X-Hub-Signature-256, per client IP, as count/window; beyond it the address's POSTs are answered 429 before their body is hashed. Correctly signed ones never count, an address that delivered a signed webhook within the window is never limited, and a limited address still has one POST a second verified, so Meta's traffic is not held back."`
	RateLimitMessageFetch   RateRule `env:"RATE_LIMIT_MESSAGE_FETCH" default:"120/1m" group:"Limits" doc:"Fetches of one message (GET /messages/:conversationId/:messageId, how a client polls a send's status) per user, as count/window; they do not count against RATE_LIMIT_API, so polling never locks an agent out of the inbox."`
	RateLimitSend           RateRule `env:"RATE_LIMIT_SEND" default:"60/1m" group:"Limits" doc:"Message sends (every send route) and media uploads per user, as count/window; they do not count against RATE_LIMIT_API."`

	WebhookSweepAge time.Duration `env:"WEBHOOK_SWEEP_AGE" default:"2m" group:"Limits" doc:"How long an acknowledged webhook may stay unprocessed in the inbox before any processing node takes it up again (one a crashed node of the cluster had stored); every node looks about every quarter of this (at most 30s). Taking up one a live node still processes mostly costs work: messages are deduplicated by wamid within a conversation's last 1,024 and statuses only move forward, but a tenant event is listed twice in its recent events. 0 disables; else 1s..1h."`
	WebhookProcess  bool          `env:"WEBHOOK_PROCESS" default:"true" group:"Limits" doc:"Process the webhook inbox on this node; false only stores webhooks (an ingest-only node, or a maintenance window): they are processed when a node with true starts."`

	MongoDBURI      string `env:"MONGODB_URI" default:"" group:"Storage" doc:"MongoDB connection string; unset selects the embedded store in DATA_DIR."`
	MongoDBDatabase string `env:"MONGODB_DATABASE" default:"" group:"Storage" doc:"Database name; empty takes it from MONGODB_URI, else 'switchboard'."`
	// MongoDBFenceLease exists for the crash tests, which kill a process mid-write and should
	// not wait a minute for the fences it held.
	MongoDBFenceLease time.Duration `env:"MONGODB_FENCE_LEASE" default:"1m" group:"Storage" doc:"How long a conditional write's fence, left on MongoDB by a process killed inside the write, holds its document (an outbox message; conversation snapshots take no fence) before the next writer breaks it; each conditional write runs under at most half of it (and 10s). Keep the default outside tests: a short lease also fails every conditional write slower than half of it, and leaves less margin for a write the server applies after its caller gave up. 2s..1h."`
	DataDir           string        `env:"DATA_DIR" default:"./data" group:"Storage" doc:"Directory of the embedded store (used when MONGODB_URI is unset)."`
	RedisURL          string        `env:"REDIS_URL" default:"" group:"Storage" doc:"Redis URL for rate limits shared across nodes; unset keeps them in this node's memory. Not used for cluster membership yet: a node is always a single-member cluster."`

	JWTSecret        string   `env:"JWT_SECRET" default:"" secret:"true" group:"Security" doc:"HS256 signing key for API tokens, at least 32 characters."`
	JWTExpiresIn     Duration `env:"JWT_EXPIRES_IN" default:"7d" group:"Security" doc:"Lifetime of an API token (e.g. 7d, 12h, 30m; also as the Node.js platform took it: 1w, 7 days, 12 hours), 1m..90d."`
	JWTIssuer        string   `env:"JWT_ISSUER" default:"switchboard" group:"Security" doc:"Issuer (iss) written into and required of every token."`
	BcryptCost       int      `env:"BCRYPT_COST" default:"12" group:"Security" doc:"bcrypt cost of password hashes (10..16). A stored hash of another cost is replaced at the user's next successful login (sessions stay valid)."`
	EncryptionKey    string   `env:"ENCRYPTION_KEY" default:"" secret:"true" group:"Security" doc:"64 hex characters (32 bytes): AES-256-GCM key sealing tenants' access tokens."`
	EncryptionKeyID  string   `env:"ENCRYPTION_KEY_ID" default:"k1" group:"Security" doc:"Id stored beside every sealed secret, naming ENCRYPTION_KEY; change it when rotating."`
	EncryptionOldKey []string `env:"ENCRYPTION_PREVIOUS_KEYS" default:"" group:"Security" doc:"Comma-separated id:hexkey pairs still accepted for reading secrets sealed before a rotation."`

	MetaAppID           string   `env:"META_APP_ID" default:"" group:"Meta" doc:"Meta app id, for Embedded Signup (not built yet: nothing reads it)."`
	MetaAppSecret       string   `env:"META_APP_SECRET" default:"" secret:"true" group:"Meta" doc:"Meta app secret, for Embedded Signup's code exchange (not built yet: nothing reads it, but production still refuses to start without it)."`
	MetaConfigID        string   `env:"META_CONFIG_ID" default:"" group:"Meta" doc:"Embedded Signup configuration id (not built yet: nothing reads it)."`
	WhatsAppAppSecret   []string `env:"WHATSAPP_APP_SECRET" default:"" secret:"true" group:"Meta" doc:"Comma-separated app secrets accepted for X-Hub-Signature-256 (several during a rotation)."`
	WhatsAppVerifyToken string   `env:"WHATSAPP_VERIFY_TOKEN" default:"" secret:"true" group:"Meta" doc:"Token Meta echoes when verifying the webhook URL."`
	WebhookCallbackURL  string   `env:"WEBHOOK_CALLBACK_URL" default:"" group:"Meta" doc:"Public URL of POST /api/v1/webhook, as registered with Meta, for Embedded Signup (not built yet: nothing reads it)."`
	MetaGraphURL        string   `env:"META_GRAPH_URL" default:"https://graph.facebook.com" group:"Meta" doc:"Graph API base URL; tests and demos point it at fakemeta."`
	MetaGraphVersion    string   `env:"META_GRAPH_VERSION" default:"v24.0" group:"Meta" doc:"Graph API version used on every call (vNN.N)."`
	MetaDepartureHeader bool     `env:"META_DEPARTURE_HEADER" default:"false" group:"Meta" doc:"Write X-Switchboard-Departed (the moment the send left its number's departure gate, Unix ns) on every send: fakemeta keeps it with a number's busiest second, so bench pacing can tell whether a second above the rate left the gate so or bunched on its way. Meta ignores the header; leave it off against Meta."`

	OutboundPairInterval   time.Duration `env:"OUTBOUND_PAIR_INTERVAL" default:"6s" group:"Outbound" doc:"Pair rate limit: sustained pace of messages to one customer, one per this interval (Meta: 6s)."`
	OutboundPairBurst      int           `env:"OUTBOUND_PAIR_BURST" default:"45" group:"Outbound" doc:"Pair rate limit: messages one customer may receive within one interval (Meta: 45); a burst is borrowed, each message owing one interval before the next burst."`
	OutboundMaxAttempts    int           `env:"OUTBOUND_MAX_ATTEMPTS" default:"5" group:"Outbound" doc:"Attempts of a message failing with Meta's something-went-wrong errors (131000, 1) before it is failed, and of attempts Meta accepted and then failed by status webhook with a retryable code; attempts that never reached Meta (connection refused) or that Meta refused because it could take no message then (131016, 2, 133004, 131057, 4, 80007, or an edge's 429/408 without Graph's body) do not count: those retry until the message's validity ends."`
	OutboundReconcileAfter time.Duration `env:"OUTBOUND_RECONCILE_AFTER" default:"2m" group:"Outbound" doc:"How long a message whose send got no answer waits for a status webhook carrying its id before it is sent again (actors/OUTBOUND.md)."`
	OutboxKeeperInterval   time.Duration `env:"OUTBOX_KEEPER_INTERVAL" default:"1m" group:"Outbound" doc:"How often the engine looks for tenants whose outbox holds work due (a queued message whose time has come, a send to reconcile) while their sender is stopped (a store outage stopped it or failed its activation), and wakes up to 100 of them; a message waits at most about this long for a stopped sender. One store query a round. 1s..1h."`
	OutboundQueueWindow    time.Duration `env:"OUTBOUND_QUEUE_WINDOW" default:"10h" group:"Outbound" doc:"Bound on a tenant's backlog of unsent messages: this long of sending at its number's rate (10h at 80 msg/s is 2,880,000 messages). Sends beyond it get 429 queue_full, as Twilio refuses a full sender queue (21611)."`
	TemplateSyncInterval   time.Duration `env:"TEMPLATE_SYNC_INTERVAL" default:"6h" group:"Outbound" doc:"How often every connected tenant's templates are read again from Meta (webhooks keep them current between; a sync repairs a missed one); 0 disables. At least 10m: each sync spends a few of Meta's 200 management calls per hour per WABA. In a cluster only the member that owns a tenant's grain syncs it."`
	OutboundValidity       time.Duration `env:"OUTBOUND_VALIDITY" default:"10h" group:"Outbound" doc:"How long after its acceptance a message may still be sent; one still queued then (a long pause, a deep backlog) fails as expired instead of reaching the customer late (Twilio's ValidityPeriod)."`
	OutboundPauseFor       time.Duration `env:"OUTBOUND_PAUSE_FOR" default:"1h" group:"Outbound" doc:"How long a tenant's sends pause after Meta restricts its number or account (131048, 368, 131042, 131031, 131064) or answers that the number is not registered (133010, 131045)."`

	InboxRetention  time.Duration `env:"INBOX_RETENTION" default:"72h" group:"Retention" doc:"How long processed webhooks stay in the inbox (for inspection) before they are deleted; 0 keeps them forever. Unprocessed ones are never deleted."`
	OutboxRetention time.Duration `env:"OUTBOX_RETENTION" default:"168h" group:"Retention" doc:"How long sent, failed and canceled messages stay in the outbox (the conversation keeps its own record) before they are deleted, and so how long a send's Idempotency-Key is remembered; 0 keeps them forever. Pending ones are never deleted."`

	ClusterName string `env:"CLUSTER_NAME" default:"switchboard" group:"Cluster" doc:"Name of the cluster; prefixes every Redis key, so several clusters or environments can share one Redis."`
	ClusterAddr string `env:"CLUSTER_ADDR" default:"127.0.0.1:0" group:"Cluster" doc:"host:port this node's actors listen on for other members (port 0 picks one)."`
}

// Production reports whether the node runs in production mode.
func (c *Config) Production() bool { return c.AppEnv == "production" }

// ConnsPerIP is the bound MAX_CONNS_PER_IP sets on one address's open connections (0: none).
// auto bounds clients that reach the engine directly; behind TRUST_PROXY every connection
// comes from a proxy, which one bound would cut off as a whole.
func (c *Config) ConnsPerIP() int {
	switch {
	case c.MaxConnsPerIP != AutoConnLimit:
		return int(c.MaxConnsPerIP)
	case c.TrustProxy > 0:
		return 0
	default:
		return DefaultConnsPerIP
	}
}

// ListenAddr is the HTTP edge's host:port.
func (c *Config) ListenAddr() string { return joinHostPort(c.Host, c.Port) }
