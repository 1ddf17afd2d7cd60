package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/fasthttp/router"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/events"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/ratelimit"
	"github.com/switchboard/switchboard/transport/rest"
	"github.com/switchboard/switchboard/transport/webhook"
	"github.com/switchboard/switchboard/vault"
)

// Engine is one running node.
type Engine struct {
	cfg      *config.Config
	log      *slog.Logger
	store    persistence.Store
	redis    *redis.Client
	limiter  ratelimit.Limiter
	local    *ratelimit.Memory // the in-process limiter (alone, or Redis's fallback)
	accounts *accounts.Service
	http     *fasthttp.Server
	ln       net.Listener
	admin    *http.Server
	served   chan error

	shutdown    sync.Once
	shutdownErr error

	node      *cluster.Node
	actors    *actors.Client
	writer    *webhook.Writer
	processor *webhook.Processor
	stats     *webhook.Stats

	vault  *vault.Vault
	graph  *graph.Client
	drain  *actors.Drain
	events *events.Hub
	// stopping is closed when Shutdown begins; the engine's loops (the pruner) end on it.
	stopping chan struct{}
	// background counts the engine's own goroutines (read receipts, waking senders), so
	// Shutdown can let them finish before the store closes.
	background sync.WaitGroup

	// membership is the cluster provider the node joins through (WithMembership); nil: a
	// single-member cluster.
	membership pcluster.ClusterProvider
	// redisLimiter are the Redis rate limiter's options (WithRedisLimiter).
	redisLimiter []ratelimit.RedisOption
}

// Version is the build version, set by the binary (ldflags) and reported by /health.
var Version = "dev"

// New wires a node from cfg without listening yet. It opens the store, whose failure stops
// start-up with the reason, and, when configured, connects to Redis, whose failure does not
// (the rate limits it holds fall back to memory until it answers).
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*Engine, error) {
	e := &Engine{cfg: cfg, log: log, served: make(chan error, 1), events: events.NewHub(), stopping: make(chan struct{})}
	for _, o := range opts {
		o(e)
	}
	// served reports why the HTTP server stopped serving; Shutdown reads it, and an early
	// failure (the listener died) is logged where it happens.
	var err error
	if e.store, err = OpenStore(ctx, cfg); err != nil {
		return nil, err
	}
	if err := e.wire(ctx); err != nil {
		if e.node != nil {
			e.node.Stop(ctx)
		}
		_ = e.store.Close(context.Background())
		if e.redis != nil {
			_ = e.redis.Close()
		}
		return nil, err
	}
	return e, nil
}

func (e *Engine) wire(ctx context.Context) error {
	cfg := e.cfg
	local := ratelimit.NewMemory()
	e.local, e.limiter = local, local
	var redisPing func(context.Context) error
	if cfg.RedisURL != "" {
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("engine: REDIS_URL: %w", err)
		}
		// Without this the per-call deadlines (50 ms for rate limits) would not bound socket
		// reads and writes.
		opt.ContextTimeoutEnabled = true
		e.redis = redis.NewClient(opt)
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		// Redis holds only the rate limits, which fall back to this node's memory while it
		// fails (ratelimit.Redis): refusing to start would let a Redis outage during a deploy
		// or a restart take the API down. Say so loudly; /health reports it as degraded.
		if err := e.redis.Ping(pctx).Err(); err != nil {
			e.log.Warn("Redis does not answer: starting with this node's own rate limits until it does",
				"addr", opt.Addr, "err", err)
		}
		e.limiter = ratelimit.NewRedis(e.redis, cfg.ClusterName+":rl:", local, e.redisLimiter...)
		redisPing = func(c context.Context) error { return e.redis.Ping(c).Err() }
	}

	passwords, err := auth.NewPasswords(cfg.BcryptCost)
	if err != nil {
		return err
	}
	v, err := vault.New(cfg.EncryptionKeyID, cfg.EncryptionKey, cfg.EncryptionOldKey)
	if err != nil {
		return fmt.Errorf("engine: ENCRYPTION_KEY: %w", err)
	}
	e.vault = v
	if e.graph, err = graph.NewClient(graph.ClientOptions{
		BaseURL: cfg.MetaGraphURL, Version: cfg.MetaGraphVersion, StampDepartures: cfg.MetaDepartureHeader,
	}); err != nil {
		return fmt.Errorf("engine: META_GRAPH_URL/META_GRAPH_VERSION: %w", err)
	}
	tokens := auth.NewTokens([]byte(cfg.JWTSecret), cfg.JWTIssuer, cfg.JWTExpiresIn.Std())
	gen := ids.NewGenerator()
	e.accounts = accounts.New(e.store.Directory(), passwords, tokens, v, gen)

	if err := e.startActors(); err != nil {
		return err
	}
	e.stats = &webhook.Stats{}
	e.writer = webhook.NewWriter(e.store.Inbox(), 2)
	e.processor = webhook.NewProcessor(e.store, e.actors, e.stats, e.log, cfg.WebhookSweepAge)
	e.processor.Origin(gen)
	hook := webhook.NewHandler(graph.NewVerifier(cfg.WhatsAppAppSecret), cfg.WhatsAppVerifyToken, e.writer, gen, e.processor, e.log)
	hook.LimitRefusals(webhook.NewRefusals(e.limiter, rule("webhook_refused", cfg.RateLimitWebhookRefused), edge.KeyByIP(int(cfg.TrustProxy))))

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e.stats.Register(reg)
	api := rest.New(rest.Options{
		Accounts: e.accounts, Store: e.store, Limiter: e.limiter,
		Metrics: edge.NewMetrics(reg), Gatherer: reg, MetricsToken: cfg.MetricsToken, RedisPing: redisPing,
		Version: Version, Logger: e.log,
		CORSOrigins: cfg.FrontendURL, TrustProxy: int(cfg.TrustProxy), APIBodyLimit: int(cfg.APIBodyLimit),
		RateAPI:           rule("api", cfg.RateLimitAPI),
		RateAuth:          rule("auth", cfg.RateLimitAuth),
		RateAuthFailures:  rule("auth_failures", cfg.RateLimitAuthFailures),
		RateLoginAccount:  rule("login_account", cfg.RateLimitLoginAccount),
		RateSend:          rule("send", cfg.RateLimitSend),
		RateMessageFetch:  rule("message_fetch", cfg.RateLimitMessageFetch),
		OutboundValidity:  cfg.OutboundValidity,
		Actors:            e.actors,
		IDs:               gen,
		OnMarkRead:        e.sendReadReceipt,
		OnTyping:          e.sendTyping,
		PhoneNumberStatus: e.phoneNumberStatus,
		UploadMedia:       e.uploadMedia,
		SyncTemplates:     e.syncTemplates,
		Mount:             []func(*router.Router){hook.Mount},
	})
	e.http = &fasthttp.Server{
		Handler: api.Handler(),
		// What any request may send; the webhook and an authorised upload may send more.
		MaxRequestBodySize: int(cfg.APIBodyLimit),
		HeaderReceived: edge.RouteConfig(map[string]edge.RouteBounds{
			// Meta sends up to 3 MB, and signs nothing a header could show first.
			webhook.Path: {Method: fasthttp.MethodPost, Config: fasthttp.RequestConfig{MaxRequestBodySize: int(cfg.WebhookBodyLimit)}},
			// A phone on a slow network needs more than 30 s for 16 MiB; only a caller whose
			// bearer token verifies gets that much.
			rest.MediaUploadPath: {Method: fasthttp.MethodPost, Admit: api.AdmitUpload,
				Config: fasthttp.RequestConfig{MaxRequestBodySize: int(cfg.MediaUploadLimit), ReadTimeout: 2 * time.Minute}},
		}),
		// The request line and headers must fit (fasthttp's default, stated): beyond it the
		// request is answered 431 headers_too_large. Meta's and the API's requests use ~1 KiB.
		ReadBufferSize:  4 << 10,
		ReadTimeout:     30 * time.Second,
		WriteTimeout:    30 * time.Second,
		IdleTimeout:     2 * time.Minute,
		CloseOnShutdown: true,
		// The listener refuses beyond it first (edge.LimitConns in Start), in the envelope.
		// Must stay below the process's open-file limit, leaving room for the store, Redis
		// and cluster sockets. Nothing here sets that limit: Go raises the soft nofile limit
		// to the hard one at start, so the machine's hard limit must exceed this (the
		// README's "Limits" table).
		Concurrency: config.MaxConns,
	}
	edge.ConfigureServer(e.http, e.log)
	bodies := edge.LimitBodyMemory(e.http, int64(cfg.BodyMemoryLimit))
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "switchboard_http_body_bytes_in_flight",
			Help: "Bytes held for request bodies being read or handled (bounded by BODY_MEMORY_LIMIT)."},
			func() float64 { return float64(bodies.InFlight()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "switchboard_http_body_memory_refusals_total",
			Help: "Requests answered 503 because their body would pass BODY_MEMORY_LIMIT."},
			func() float64 { return float64(bodies.Refusals()) }))
	return nil
}

func rule(name string, r config.RateRule) ratelimit.Rule {
	return ratelimit.Rule{Name: name, Limit: r.Limit, Window: r.Window}
}

// Start listens on the configured address (and the admin address) and serves until
// Shutdown.
func (e *Engine) Start() error {
	ln, err := net.Listen("tcp", e.cfg.ListenAddr())
	if err != nil {
		return fmt.Errorf("engine: listen on %s: %w", e.cfg.ListenAddr(), err)
	}
	ln = edge.LimitConns(ln, edge.ConnLimits{Total: e.http.Concurrency, PerIP: e.cfg.ConnsPerIP()}, e.log)
	e.ln = ln
	if e.cfg.WebhookProcess {
		e.processor.Start()
	}
	e.startPruner()
	e.startTemplateSync()
	e.startOutboxKeeper()
	go func() {
		err := e.http.Serve(ln)
		if err != nil {
			e.log.Error("HTTP server stopped serving", "err", err)
		}
		e.served <- err
	}()
	if e.cfg.AdminAddr != "" {
		if err := e.startAdmin(); err != nil {
			_ = e.http.Shutdown()
			return err
		}
	}
	e.log.Info("switchboard listening", "addr", ln.Addr().String(), "store", e.store.Backend(),
		"redis", e.cfg.RedisURL != "", "version", Version)
	return nil
}

func (e *Engine) startAdmin() error {
	ln, err := net.Listen("tcp", e.cfg.AdminAddr)
	if err != nil {
		return fmt.Errorf("engine: admin listen on %s: %w", e.cfg.AdminAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	e.admin = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = e.admin.Serve(ln) }()
	return nil
}

// Addr is the address the HTTP edge listens on (useful with port 0).
func (e *Engine) Addr() string { return e.ln.Addr().String() }

// Store is the node's store (the seed command and tests use it).
func (e *Engine) Store() persistence.Store { return e.store }

// Accounts is the node's directory service.
func (e *Engine) Accounts() *accounts.Service { return e.accounts }

// Shutdown stops accepting connections, lets in-flight requests finish (bounded by ctx),
// then flushes and closes the store and Redis. Calls after the first return its result.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.shutdown.Do(func() { e.shutdownErr = e.stop(ctx) })
	return e.shutdownErr
}

func (e *Engine) stop(ctx context.Context) error {
	close(e.stopping)
	var errs []error
	if e.ln != nil {
		if err := e.http.ShutdownWithContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("engine: stop HTTP: %w", err))
		}
		// fasthttp closes only listeners Serve has registered; if Shutdown ran before the
		// Serve goroutine got that far, Serve would accept forever. Closing ours ends it.
		_ = e.ln.Close()
		select {
		case <-e.served:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("engine: HTTP server still serving at the shutdown deadline: %w", ctx.Err()))
		}
	}
	if e.admin != nil {
		_ = e.admin.Shutdown(ctx)
	}
	// No new webhooks now. Work in flight either completes or stays pending in the inbox
	// and is replayed at the next start: stopping never loses an acknowledged event.
	if e.processor != nil {
		e.processor.Stop()
	}
	if e.writer != nil {
		e.writer.Close()
	}
	e.waitBackground(ctx)
	if e.drain != nil {
		// Sends in flight finish and record their outcome, so none is left "sending" to
		// be reconciled after the restart (actors/OUTBOUND.md).
		if err := e.drain.Close(ctx); err != nil {
			e.log.Warn("engine: sends still in flight at shutdown; they are reconciled at the next start", "err", err)
		}
	}
	if e.node != nil {
		e.node.Stop(ctx)
	}
	if err := e.store.Flush(ctx); err != nil {
		errs = append(errs, fmt.Errorf("engine: flush store: %w", err))
	}
	if err := e.store.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("engine: close store: %w", err))
	}
	if e.local != nil {
		_ = e.local.Close()
	}
	if e.redis != nil {
		_ = e.redis.Close()
	}
	return errors.Join(errs...)
}

// waitBackground waits for the engine's own goroutines, at most until ctx ends.
func (e *Engine) waitBackground(ctx context.Context) {
	done := make(chan struct{})
	go func() { e.background.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		e.log.Warn("engine: background work still running at shutdown")
	}
}

// WebhookStats are the inbound processor's counters.
func (e *Engine) WebhookStats() *webhook.Stats { return e.stats }

// Events is the node's event hub: every durable message and conversation change, per
// tenant (message.new, message.status, conversation.updated), for the WebSocket fan-out.
func (e *Engine) Events() *events.Hub { return e.events }

// Actors is the grain client.
func (e *Engine) Actors() *actors.Client { return e.actors }
