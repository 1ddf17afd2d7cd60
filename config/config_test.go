package config

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	cfg, warnings, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 5000 || cfg.DataDir != "./data" || cfg.MongoDBURI != "" || cfg.RedisURL != "" {
		t.Fatalf("defaults: %+v", cfg)
	}
	if cfg.JWTExpiresIn.Std() != 7*24*time.Hour {
		t.Fatalf("JWT_EXPIRES_IN default = %s", cfg.JWTExpiresIn.Std())
	}
	if cfg.RateLimitAuth.Limit != 10 || cfg.RateLimitAuth.Window != 15*time.Minute {
		t.Fatalf("RATE_LIMIT_AUTH default = %s", cfg.RateLimitAuth)
	}
	if cfg.WebhookBodyLimit != 3<<20 || cfg.APIBodyLimit != 1<<20 {
		t.Fatalf("body limits = %d, %d", cfg.WebhookBodyLimit, cfg.APIBodyLimit)
	}
	// Development generates every missing secret and says so, naming it.
	for _, name := range []string{"JWT_SECRET", "ENCRYPTION_KEY", "META_APP_SECRET", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"} {
		if !strings.Contains(strings.Join(warnings, "\n"), name) {
			t.Errorf("no warning names generated %s", name)
		}
	}
	if len(cfg.JWTSecret) < 32 || !isKeyHex(cfg.EncryptionKey) || len(cfg.WhatsAppAppSecret) != 1 {
		t.Fatalf("generated secrets unusable: %+v", cfg)
	}
}

func TestProductionRequiresSecrets(t *testing.T) {
	_, _, err := Load(env(map[string]string{"APP_ENV": "production"}))
	if err == nil {
		t.Fatal("production started without secrets")
	}
	for _, name := range []string{"JWT_SECRET", "ENCRYPTION_KEY", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "META_APP_SECRET"} {
		if !strings.Contains(err.Error(), name+": required when APP_ENV=production") {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

// productionSecrets are secrets of production's own (none published in the repository).
func productionSecrets() map[string]string {
	return map[string]string{
		"APP_ENV": "production", "JWT_SECRET": "q7Lr2vX9kP4wZ1mN8sT3yB6cF0hJ5dGa",
		"ENCRYPTION_KEY": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "META_APP_SECRET": "meta-app-secret-value",
		"WHATSAPP_APP_SECRET":   "4e07408562bedb8b60ce05c1decfe3ad, 16b1d6a3c0e947e5b2d8f9a1c3e5b7d9",
		"WHATSAPP_VERIFY_TOKEN": "verify-me-kq81nzv0",
	}
}

func TestProductionWithSecrets(t *testing.T) {
	cfg, warnings, err := Load(env(productionSecrets()))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Fatalf("warnings in production: %v", warnings)
	}
	if len(cfg.WhatsAppAppSecret) != 2 {
		t.Fatalf("app secrets = %q", cfg.WhatsAppAppSecret)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := []struct {
		name, key, value, want string
	}{
		{"port not a number", "PORT", "fivethousand", `PORT: "fivethousand" is not a whole number`},
		{"port out of range", "PORT", "70000", "PORT: 70000 is not a port"},
		{"bool", "WEBHOOK_PROCESS", "maybe", `WEBHOOK_PROCESS: "maybe" is not true or false`},
		{"proxy hops", "TRUST_PROXY", "maybe", `TRUST_PROXY: "maybe" is not false, true or a number`},
		{"too many proxy hops", "TRUST_PROXY", "11", `TRUST_PROXY: "11" is not false, true or a number`},
		{"duration", "SHUTDOWN_TIMEOUT", "soon", "SHUTDOWN_TIMEOUT:"},
		{"jwt expiry", "JWT_EXPIRES_IN", "7x", "JWT_EXPIRES_IN:"},
		{"short jwt secret", "JWT_SECRET", "short", "JWT_SECRET: must be at least 32 characters"},
		// A short bearer token for /metrics could be guessed; set, it must be as long as a
		// JWT secret, and not a placeholder anyone can read here.
		{"short metrics token", "METRICS_TOKEN", "s3cret", "METRICS_TOKEN: must be at least 32 characters (it is 6)"},
		{"placeholder metrics token", "METRICS_TOKEN", "change-me-metrics-token-0123456789abcdef", "METRICS_TOKEN: is a placeholder"},
		{"encryption key length", "ENCRYPTION_KEY", "abcd", "ENCRYPTION_KEY: must be 64 hex characters"},
		{"rate", "RATE_LIMIT_API", "100 per minute", "RATE_LIMIT_API:"},
		{"rate zero", "RATE_LIMIT_SEND", "0/1m", "RATE_LIMIT_SEND:"},
		// A window the limiter cannot enforce passed here, and start-up then panicked naming
		// the rule "api" instead of the variable.
		{"rate window under a second", "RATE_LIMIT_API", "10/500us", "RATE_LIMIT_API: window 500µs is under a second"},
		{"days past what a Duration holds", "RATE_LIMIT_AUTH", "10/300000d", "RATE_LIMIT_AUTH:"},
		{"rate beyond the Redis script's exact range", "RATE_LIMIT_AUTH_FAILURES", "100000000/1000h", "RATE_LIMIT_AUTH_FAILURES: 100000000 per 1000h0m0s"},
		{"login account window", "RATE_LIMIT_LOGIN_ACCOUNT", "5/10ms", "RATE_LIMIT_LOGIN_ACCOUNT:"},
		{"send window", "RATE_LIMIT_SEND", "5/0.2s", "RATE_LIMIT_SEND:"},
		{"size", "API_BODY_LIMIT", "huge", "API_BODY_LIMIT:"},
		{"webhook below Meta max", "WEBHOOK_BODY_LIMIT", "1MiB", "WEBHOOK_BODY_LIMIT:"},
		// Below twice the largest body a request may send, a request of that size could be
		// refused for want of memory with nothing else in flight.
		{"body memory below the uploads'", "BODY_MEMORY_LIMIT", "16MiB", "BODY_MEMORY_LIMIT: 16777216 bytes is under twice the largest body limit"},
		{"mongo scheme", "MONGODB_URI", "postgres://x", "MONGODB_URI: must start with mongodb://"},
		{"fence lease under 2s", "MONGODB_FENCE_LEASE", "1s", "MONGODB_FENCE_LEASE: 1s is outside 2s..1h"},
		{"fence lease over an hour", "MONGODB_FENCE_LEASE", "2h", "MONGODB_FENCE_LEASE:"},
		{"redis scheme", "REDIS_URL", "http://x", "REDIS_URL: must start with redis://"},
		{"graph version", "META_GRAPH_VERSION", "24", "META_GRAPH_VERSION:"},
		{"cors origin", "FRONTEND_URL", "localhost:3000", "FRONTEND_URL:"},
		{"app env", "APP_ENV", "staging", "APP_ENV:"},
		{"log level", "LOG_LEVEL", "loud", "LOG_LEVEL:"},
		{"bcrypt", "BCRYPT_COST", "4", "BCRYPT_COST: 4 is outside 10..16"},
		{"previous keys", "ENCRYPTION_PREVIOUS_KEYS", "k0:zz", "ENCRYPTION_PREVIOUS_KEYS:"},
		// A second key under one id replaced the first: what it sealed no longer opened.
		{"previous key id given twice", "ENCRYPTION_PREVIOUS_KEYS",
			"k0:" + strings.Repeat("11", 32) + ",k0:" + strings.Repeat("22", 32), "ENCRYPTION_PREVIOUS_KEYS:"},
		{"conns per ip", "MAX_CONNS_PER_IP", "lots", `MAX_CONNS_PER_IP: "lots" is not auto or a number`},
		{"conns per ip above the server's", "MAX_CONNS_PER_IP", "16001", "MAX_CONNS_PER_IP:"},
		{"outbox keeper too eager", "OUTBOX_KEEPER_INTERVAL", "10ms", "OUTBOX_KEEPER_INTERVAL: 10ms is outside 1s..1h"},
		{"outbox keeper off", "OUTBOX_KEEPER_INTERVAL", "0", "OUTBOX_KEEPER_INTERVAL: 0s is outside 1s..1h"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Load(env(map[string]string{tc.key: tc.value}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func TestParsers(t *testing.T) {
	cfg, _, err := Load(env(map[string]string{
		"JWT_EXPIRES_IN": "12h", "API_BODY_LIMIT": "512KiB", "RATE_LIMIT_SEND": "1000/1s",
		"FRONTEND_URL": "https://a.example.com, https://b.example.com",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.JWTExpiresIn.Std() != 12*time.Hour || cfg.APIBodyLimit != 512<<10 ||
		cfg.RateLimitSend != (RateRule{Limit: 1000, Window: time.Second}) || len(cfg.FrontendURL) != 2 {
		t.Fatalf("parsed: %+v", cfg)
	}
}

// MAX_CONNS_PER_IP's auto bounds clients reaching the engine directly and nothing behind
// proxies, where every connection is a proxy's; a number is taken as it is.
func TestConnsPerIP(t *testing.T) {
	cases := []struct {
		maxConns, trustProxy string
		want                 int
	}{
		{"", "", DefaultConnsPerIP},
		{"auto", "false", DefaultConnsPerIP},
		{"auto", "true", 0},
		{"", "2", 0},
		{"64", "true", 64},
		{"0", "false", 0},
	}
	for _, tc := range cases {
		m := map[string]string{}
		if tc.maxConns != "" {
			m["MAX_CONNS_PER_IP"] = tc.maxConns
		}
		if tc.trustProxy != "" {
			m["TRUST_PROXY"] = tc.trustProxy
		}
		cfg, _, err := Load(env(m))
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.ConnsPerIP(); got != tc.want {
			t.Errorf("MAX_CONNS_PER_IP=%q TRUST_PROXY=%q: %d, want %d", tc.maxConns, tc.trustProxy, got, tc.want)
		}
	}
}

// .env.example is generated from the struct; this keeps the committed copy in step.
func TestEnvExampleIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	WriteEnvExample(&buf)
	committed, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, buf.Bytes()) {
		t.Fatal(".env.example is stale: run `make env-example`")
	}
	for _, s := range Settings() {
		if s.Doc == "" || s.Group == "" {
			t.Errorf("%s has no doc or group", s.Env)
		}
	}
}

func TestDevSecretsPersist(t *testing.T) {
	dir := t.TempDir()
	first, warnings, err := Load(WithDevSecrets(env(nil), dir))
	if err != nil || len(warnings) == 0 {
		t.Fatalf("first load: %v %v", err, warnings)
	}
	if err := SaveDevSecrets(first, dir); err != nil {
		t.Fatal(err)
	}
	second, warnings, err := Load(WithDevSecrets(env(nil), dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 || second.JWTSecret != first.JWTSecret || second.EncryptionKey != first.EncryptionKey ||
		strings.Join(second.WhatsAppAppSecret, ",") != strings.Join(first.WhatsAppAppSecret, ",") {
		t.Fatalf("secrets not reused: warnings=%v", warnings)
	}
	// The environment still wins over the saved file.
	third, _, _ := Load(WithDevSecrets(env(map[string]string{"JWT_SECRET": strings.Repeat("e", 32)}), dir))
	if third.JWTSecret != strings.Repeat("e", 32) {
		t.Fatal("environment did not win")
	}
}

// Production refuses the secrets anyone can read in this repository (docker-compose's, the
// tests'): a JWT secret from the repo signs anyone's platform-admin token.
func TestProductionRefusesPublishedSecrets(t *testing.T) {
	for _, tc := range []struct{ env, value string }{
		{"JWT_SECRET", "change-me-development-jwt-secret-0123456789"},
		{"JWT_SECRET", strings.Repeat("s", 40)},
		{"ENCRYPTION_KEY", strings.Repeat("0", 64)},
		{"META_APP_SECRET", "change-me-meta-app-secret"},
		{"WHATSAPP_APP_SECRET", "0123456789abcdef0123456789abcdef"},
		{"WHATSAPP_APP_SECRET", "4e07408562bedb8b60ce05c1decfe3ad,0123456789abcdef0123456789abcdef"},
		{"WHATSAPP_VERIFY_TOKEN", "change-me-verify-token"},
		{"WHATSAPP_APP_SECRET", "demo-app-secret-0123"}, // the README's fakemeta demo
	} {
		t.Run(tc.env+"="+tc.value, func(t *testing.T) {
			vars := productionSecrets()
			vars[tc.env] = tc.value
			_, _, err := Load(env(vars))
			if err == nil || !strings.Contains(err.Error(), tc.env+": ") || !strings.Contains(err.Error(), "placeholder") {
				t.Fatalf("production took %s=%s: %v", tc.env, tc.value, err)
			}
		})
	}
	vars := productionSecrets()
	vars["APP_ENV"] = "development"
	vars["JWT_SECRET"] = "change-me-development-jwt-secret-0123456789"
	if _, _, err := Load(env(vars)); err != nil {
		t.Fatalf("development refused the compose file's placeholder: %v", err)
	}
}

// A production secret too short to be hard to guess is refused for its length, not called a
// placeholder it is not.
func TestProductionRefusesShortSecrets(t *testing.T) {
	for _, name := range []string{"META_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"} {
		vars := productionSecrets()
		vars[name] = "x7"
		_, _, err := Load(env(vars))
		if err == nil || !strings.Contains(err.Error(), name+": is 2 characters") {
			t.Errorf("production took %s=x7: %v", name, err)
		}
	}
}

// One pass names every bad variable: a value that does not parse does not hide another
// that parses but is invalid.
func TestParseAndRuleProblemsTogether(t *testing.T) {
	_, _, err := Load(env(map[string]string{"PORT": "abc", "LOG_LEVEL": "verbose", "JWT_EXPIRES_IN": "x"}))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, name := range []string{"PORT: ", "LOG_LEVEL: ", "JWT_EXPIRES_IN: "} {
		if strings.Count(err.Error(), name) != 1 {
			t.Errorf("%s named %d times in:\n%v", name, strings.Count(err.Error(), name), err)
		}
	}
}
