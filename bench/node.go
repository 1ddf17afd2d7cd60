package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/engine"
)

// benchSecret signs the scenario's webhooks.
const benchSecret = "bench-app-secret-0123456789abcdef"

// startNode runs an engine on loopback with the embedded store in dataDir, API rate limits
// lifted (the scenario measures the engine, not its abuse limits) and quiet logs.
func startNode(ctx context.Context, dataDir string, extra map[string]string) (*engine.Engine, error) {
	env := nodeEnv(dataDir, extra)
	cfg, _, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		return nil, fmt.Errorf("bench: config: %w", err)
	}
	if _, fixed := extra["PORT"]; !fixed {
		cfg.Port = 0
	}
	// The bench measures the engine as `switchboard serve` runs it, GC setting included.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	e, err := engine.New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := e.Start(); err != nil {
		_ = e.Shutdown(context.Background())
		return nil, err
	}
	return e, nil
}

// nodeEnv is the settings of a bench node (startNode), extra over the defaults.
func nodeEnv(dataDir string, extra map[string]string) map[string]string {
	env := map[string]string{
		"APP_ENV": "test", "HOST": "127.0.0.1", "PORT": "1", "ADMIN_ADDR": "", "LOG_LEVEL": "error",
		"DATA_DIR": dataDir, "JWT_SECRET": "bench-jwt-secret-0123456789abcdef0123",
		"ENCRYPTION_KEY": benchEncryptionKey, "META_APP_SECRET": "bench-meta-app-secret",
		"WHATSAPP_APP_SECRET": benchSecret, "WHATSAPP_VERIFY_TOKEN": "bench-verify",
		"BCRYPT_COST": "10", "RATE_LIMIT_API": "1000000/1m", "RATE_LIMIT_MESSAGE_FETCH": "1000000/1m", "RATE_LIMIT_AUTH": "1000000/1m", "RATE_LIMIT_AUTH_FAILURES": "1000000/1m", "RATE_LIMIT_LOGIN_ACCOUNT": "1000000/1m",
		"MAX_CONNS_PER_IP": "0", // every closed-loop client connects from loopback
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func stopNode(e *engine.Engine) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = e.Shutdown(ctx)
}

// freePort returns a loopback port nothing listens on now (for a node whose address must be
// known before it starts: fakemeta's callback URL).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
