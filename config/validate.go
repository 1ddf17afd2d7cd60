package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

var graphVersion = regexp.MustCompile(`^v\d{1,3}\.\d{1,2}$`)

// validate returns one line per invalid setting, naming the variable and what is wrong.
func (c *Config) validate() []string {
	var p []string
	bad := func(env, format string, args ...any) { p = append(p, env+": "+fmt.Sprintf(format, args...)) }

	if !slices.Contains([]string{"development", "test", "production"}, c.AppEnv) {
		bad("APP_ENV", "%q is not development, test or production", c.AppEnv)
	}
	if c.Port < 1 || c.Port > 65535 {
		bad("PORT", "%d is not a port (1..65535)", c.Port)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("LOG_LEVEL", "%q is not debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	if c.AdminAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
			bad("ADMIN_ADDR", "%q is not host:port", c.AdminAddr)
		}
	}
	if _, _, err := net.SplitHostPort(c.ClusterAddr); err != nil {
		bad("CLUSTER_ADDR", "%q is not host:port", c.ClusterAddr)
	}
	for _, r := range []struct {
		env string
		d   time.Duration
	}{{"INBOX_RETENTION", c.InboxRetention}, {"OUTBOX_RETENTION", c.OutboxRetention}} {
		if r.d < 0 || (r.d != 0 && r.d < time.Hour) {
			bad(r.env, "%s is negative or under an hour (0 keeps everything)", r.d)
		}
	}
	if c.ShutdownTimeout <= 0 || c.ShutdownTimeout > 5*time.Minute {
		bad("SHUTDOWN_TIMEOUT", "%s is outside 1ms..5m", c.ShutdownTimeout)
	}
	for _, o := range c.FrontendURL {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" {
			bad("FRONTEND_URL", "%q is not an origin like https://app.example.com", o)
		}
	}
	if c.APIBodyLimit > 64<<20 {
		bad("API_BODY_LIMIT", "%d bytes is above the 64 MiB ceiling", c.APIBodyLimit)
	}
	if c.WebhookBodyLimit < 3_000_000 || c.WebhookBodyLimit > 64<<20 {
		bad("WEBHOOK_BODY_LIMIT", "%d bytes is outside 3 MB (Meta's maximum payload) .. 64 MiB", c.WebhookBodyLimit)
	}
	if c.TemplateSyncInterval < 0 || (c.TemplateSyncInterval != 0 && c.TemplateSyncInterval < 10*time.Minute) {
		bad("TEMPLATE_SYNC_INTERVAL", "%s is negative or under 10m (0 disables the periodic sync)", c.TemplateSyncInterval)
	}
	if c.OutboxKeeperInterval < time.Second || c.OutboxKeeperInterval > time.Hour {
		bad("OUTBOX_KEEPER_INTERVAL", "%s is outside 1s..1h", c.OutboxKeeperInterval)
	}
	if c.MediaUploadLimit < 1<<20 || c.MediaUploadLimit > 101<<20 {
		bad("MEDIA_UPLOAD_LIMIT", "%d bytes is outside 1 MiB .. 101 MiB (Meta's largest file, a 100 MB document, and its form)", c.MediaUploadLimit)
	}
	// A request of the largest size must fit with nothing else in flight: fasthttp rounds
	// its allocation up to a power of two, less than twice the body.
	if largest := max(c.APIBodyLimit, c.WebhookBodyLimit, c.MediaUploadLimit); c.BodyMemoryLimit < 2*largest {
		bad("BODY_MEMORY_LIMIT", "%d bytes is under twice the largest body limit (%d bytes)", c.BodyMemoryLimit, largest)
	}
	if c.MongoDBURI != "" {
		if u, err := url.Parse(c.MongoDBURI); err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
			bad("MONGODB_URI", "must start with mongodb:// or mongodb+srv://")
		}
	}
	if c.MongoDBFenceLease < 2*time.Second || c.MongoDBFenceLease > time.Hour {
		bad("MONGODB_FENCE_LEASE", "%s is outside 2s..1h", c.MongoDBFenceLease)
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			bad("REDIS_URL", "must start with redis:// or rediss://")
		}
	}
	if c.MongoDBURI == "" && strings.TrimSpace(c.DataDir) == "" {
		bad("DATA_DIR", "must be set when MONGODB_URI is unset")
	}
	if len(c.JWTSecret) < 32 {
		bad("JWT_SECRET", "must be at least 32 characters (it is %d)", len(c.JWTSecret))
	}
	// Set, the metrics token is a bearer secret any client of the port may guess at (the
	// guesses are rate limited with the other requests without a valid token): as long as a
	// JWT secret, and not one published here. Unset, /metrics is open (the README says when
	// that is fine).
	if c.MetricsToken != "" {
		switch {
		case publishedSecret(c.MetricsToken):
			bad("METRICS_TOKEN", "is a placeholder from this repository; set a random token of its own (e.g. openssl rand -hex 32)")
		case len(c.MetricsToken) < minMetricsToken:
			bad("METRICS_TOKEN", "must be at least %d characters (it is %d); e.g. openssl rand -hex 32", minMetricsToken, len(c.MetricsToken))
		}
	}
	if d := c.JWTExpiresIn.Std(); d < time.Minute || d > 90*24*time.Hour {
		bad("JWT_EXPIRES_IN", "%s is outside 1m..90d", d)
	}
	if c.ClusterName == "" || strings.ContainsAny(c.ClusterName, ": {}") {
		bad("CLUSTER_NAME", "must be a non-empty name without spaces, colons or braces")
	}
	if c.JWTIssuer == "" {
		bad("JWT_ISSUER", "must not be empty")
	}
	if c.BcryptCost < 10 || c.BcryptCost > 16 {
		bad("BCRYPT_COST", "%d is outside 10..16", c.BcryptCost)
	}
	if c.Production() {
		for _, s := range []struct{ env, value string }{
			{"JWT_SECRET", c.JWTSecret}, {"ENCRYPTION_KEY", c.EncryptionKey}, {"WHATSAPP_VERIFY_TOKEN", c.WhatsAppVerifyToken},
			{"META_APP_SECRET", c.MetaAppSecret},
		} {
			switch {
			case publishedSecret(s.value):
				bad(s.env, "is a placeholder from this repository (docker-compose, the docs or tests); production needs a secret of its own")
			case len(s.value) < minProductionSecret:
				bad(s.env, "is %d characters; production needs at least %d, hard to guess", len(s.value), minProductionSecret)
			}
		}
		for _, v := range c.WhatsAppAppSecret {
			if publishedSecret(v) {
				bad("WHATSAPP_APP_SECRET", "holds a placeholder from this repository; production needs a secret of its own")
				break
			}
		}
	}
	if !isKeyHex(c.EncryptionKey) {
		bad("ENCRYPTION_KEY", "must be 64 hex characters (32 bytes)")
	}
	if c.EncryptionKeyID == "" || strings.ContainsAny(c.EncryptionKeyID, ":, ") {
		bad("ENCRYPTION_KEY_ID", "must be a non-empty id without ':', ',' or spaces")
	}
	// Each id names one key: a second key under an id would replace the first, and what the
	// first sealed would no longer open.
	previousIDs := map[string]bool{}
	for _, pair := range c.EncryptionOldKey {
		id, key, ok := strings.Cut(pair, ":")
		if !ok || id == "" || !isKeyHex(key) || id == c.EncryptionKeyID || previousIDs[id] {
			bad("ENCRYPTION_PREVIOUS_KEYS", "each entry must be id:64hex with an id of its own, other than ENCRYPTION_KEY_ID")
			break
		}
		previousIDs[id] = true
	}
	for _, s := range c.WhatsAppAppSecret {
		if len(s) < 16 {
			bad("WHATSAPP_APP_SECRET", "each secret must be at least 16 characters")
			break
		}
	}
	if u, err := url.Parse(c.MetaGraphURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("META_GRAPH_URL", "%q is not an http(s) URL", c.MetaGraphURL)
	}
	if !graphVersion.MatchString(c.MetaGraphVersion) {
		bad("META_GRAPH_VERSION", "%q is not a version like v24.0", c.MetaGraphVersion)
	}
	if c.OutboundPairInterval < 10*time.Millisecond || c.OutboundPairInterval > time.Hour {
		bad("OUTBOUND_PAIR_INTERVAL", "%s is outside 10ms..1h", c.OutboundPairInterval)
	}
	if c.OutboundPairBurst < 1 || c.OutboundPairBurst > 1000 {
		bad("OUTBOUND_PAIR_BURST", "%d is outside 1..1000", c.OutboundPairBurst)
	}
	if c.OutboundMaxAttempts < 1 || c.OutboundMaxAttempts > 20 {
		bad("OUTBOUND_MAX_ATTEMPTS", "%d is outside 1..20", c.OutboundMaxAttempts)
	}
	if c.OutboundReconcileAfter < 100*time.Millisecond || c.OutboundReconcileAfter > 24*time.Hour {
		bad("OUTBOUND_RECONCILE_AFTER", "%s is outside 100ms..24h", c.OutboundReconcileAfter)
	}
	if c.OutboundValidity < time.Second || c.OutboundValidity > 7*24*time.Hour {
		bad("OUTBOUND_VALIDITY", "%s is outside 1s..7d", c.OutboundValidity)
	}
	if c.OutboundQueueWindow < time.Second || c.OutboundQueueWindow > 7*24*time.Hour {
		bad("OUTBOUND_QUEUE_WINDOW", "%s is outside 1s..7d", c.OutboundQueueWindow)
	}
	if c.OutboundPauseFor < time.Second || c.OutboundPauseFor > 7*24*time.Hour {
		bad("OUTBOUND_PAUSE_FOR", "%s is outside 1s..7d", c.OutboundPauseFor)
	}
	if c.WebhookSweepAge != 0 && (c.WebhookSweepAge < time.Second || c.WebhookSweepAge > time.Hour) {
		bad("WEBHOOK_SWEEP_AGE", "%s is neither 0 nor within 1s..1h", c.WebhookSweepAge)
	}
	for _, r := range []struct {
		env  string
		rule RateRule
	}{
		{"RATE_LIMIT_API", c.RateLimitAPI}, {"RATE_LIMIT_AUTH_FAILURES", c.RateLimitAuthFailures},
		{"RATE_LIMIT_AUTH", c.RateLimitAuth}, {"RATE_LIMIT_LOGIN_ACCOUNT", c.RateLimitLoginAccount},
		{"RATE_LIMIT_SEND", c.RateLimitSend}, {"RATE_LIMIT_WEBHOOK_REFUSED", c.RateLimitWebhookRefused},
		{"RATE_LIMIT_MESSAGE_FETCH", c.RateLimitMessageFetch},
	} {
		if problem := r.rule.enforceable(); problem != "" {
			bad(r.env, "%s", problem)
		}
	}
	if c.WebhookCallbackURL != "" {
		if u, err := url.Parse(c.WebhookCallbackURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("WEBHOOK_CALLBACK_URL", "%q is not an absolute URL", c.WebhookCallbackURL)
		}
	}
	return p
}

func isKeyHex(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}

// minProductionSecret is the shortest secret production takes (Meta's app secrets are 32 hex
// characters; a verify token is the operator's choice, and one short enough to guess lets
// anyone point Meta's subscription at their endpoint).
const minProductionSecret = 16

// minMetricsToken is the shortest METRICS_TOKEN taken, in any mode: the token is the only
// thing between the port and the metrics, and a machine holds it, so length costs nothing.
const minMetricsToken = 32

// publishedSecret reports whether a secret is one anyone can read in this repository or
// guess: a "change-me" placeholder, the README demo's app secret, one character repeated (an
// all-zero key), or the hex alphabet repeated (the tests' and docker-compose's app secret). A
// token signed with a published JWT secret is anyone's platform admin.
func publishedSecret(s string) bool {
	l := strings.ToLower(s)
	if s == "" || strings.Contains(l, "change-me") || strings.Contains(l, "demo-app-secret") || strings.Count(l, l[:1]) == len(l) {
		return s != ""
	}
	const alphabet = "0123456789abcdef"
	return strings.HasPrefix(strings.Repeat(alphabet, len(l)/len(alphabet)+1), l)
}

// maxRateProduct bounds a rate rule's count × window in microseconds: the Redis limiter's
// script counts in Lua doubles, exact below 2⁵³ (a million requests per hour is 3.6 × 10¹⁵).
const maxRateProduct = 1 << 53

// enforceable says what keeps the limiters from enforcing r as written, or "". A window
// under a second cannot be told to clients (Retry-After and RateLimit-Policy count whole
// seconds), and one under a millisecond made start-up panic; a product past the Redis
// script's exact range would be counted approximately.
func (r RateRule) enforceable() string {
	switch {
	case r.Window < time.Second:
		return fmt.Sprintf("window %s is under a second (Retry-After and RateLimit-Policy count whole seconds)", r.Window)
	case uint64(r.Limit) > maxRateProduct/uint64(r.Window.Microseconds()):
		return fmt.Sprintf("%d per %s is more than the limiter counts exactly (count × window in microseconds must stay below 2^53, e.g. 1000000/1h)", r.Limit, r.Window)
	}
	return ""
}
