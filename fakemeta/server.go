package fakemeta

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"regexp"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/router"
	json "github.com/goccy/go-json"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// Server is one fake Meta: Graph endpoints, a registry of numbers, WABAs, tokens and
// templates, and a webhook sender.
type Server struct {
	cfg Config
	log *slog.Logger
	now func() time.Time
	// realClock: now is time.Now, so a request's arrival is when the server had read it
	// (arrival), which a test's clock cannot name.
	realClock bool

	mu      sync.RWMutex
	numbers map[string]*number    // by phone_number_id
	wabas   map[string]*waba      // by WABA id
	tokens  map[string]*token     // by access token
	codes   map[string]signupCode // Embedded Signup code → token
	seq     uint64                // template id sequence
	used    map[string]bool       // exchanged codes (a second exchange fails differently)
	media   map[string]uploaded   // by media id
	// mediaBytes is the uploaded content kept for download (Config.MaxKeptMedia).
	mediaBytes int

	wamidPrefix string
	wamidSeq    atomic.Uint64
	hooks       *webhookSender
	statusPosts *statusDeliveries
	// calls are the management endpoints' faults and budgets (management.go).
	calls managementCalls

	// bg is cancelled by Close; every goroutine the server starts watches it and is
	// counted in wg, so Close returns only when none is left.
	bg     context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup
	srv    *fasthttp.Server
	ln     net.Listener
	closed bool
}

// New builds a server from cfg; Start makes it listen.
func New(cfg Config) *Server {
	realClock := cfg.Clock == nil
	cfg.applyDefaults()
	bg, stop := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, log: cfg.Logger, now: cfg.Clock, realClock: realClock,
		numbers: map[string]*number{}, wabas: map[string]*waba{}, tokens: map[string]*token{}, codes: map[string]signupCode{}, used: map[string]bool{}, media: map[string]uploaded{},
		wamidPrefix: fmt.Sprintf("%08X", rand.Uint32()),
		bg:          bg, stop: stop,
	}
	for code, tok := range cfg.Codes {
		s.AddCode(code, tok)
	}
	s.hooks = newWebhookSender(cfg.AppSecret, cfg.Webhooks, s.log)
	s.statusPosts = newStatusDeliveries(s.hooks, s.callbackFor, cfg.Webhooks.Concurrency, cfg.Statuses)
	s.srv = &fasthttp.Server{
		Handler:            s.Handler(),
		Name:               "fakemeta",
		ReadTimeout:        30 * time.Second,
		WriteTimeout:       30 * time.Second,
		IdleTimeout:        30 * time.Second,
		CloseOnShutdown:    true,
		MaxRequestBodySize: 4 << 20,
		HeaderReceived:     bodyLimit,
	}
	return s
}

// Handler is the router, for embedding fakemeta in another fasthttp server.
func (s *Server) Handler() fasthttp.RequestHandler {
	r := router.New()
	r.RedirectTrailingSlash = false
	r.NotFound = func(ctx *fasthttp.RequestCtx) {
		writeError(ctx, plainError(400, 2500, 0, "Unknown path components: "+string(ctx.Path())))
	}
	r.MethodNotAllowed = func(ctx *fasthttp.RequestCtx) {
		writeError(ctx, plainError(400, 100, 0, "Unsupported "+string(ctx.Method())+" request."))
	}

	r.POST("/{version}/{id}/messages", s.graph(s.messages))
	r.POST("/{version}/{id}/register", s.graph(s.register))
	r.POST("/{version}/{id}/media", s.graph(s.uploadMedia))
	r.GET("/{version}/{id}/subscribed_apps", s.graph(s.subscribedApps))
	r.POST("/{version}/{id}/subscribed_apps", s.graph(s.subscribeApp))
	r.DELETE("/{version}/{id}/subscribed_apps", s.graph(s.unsubscribeApp))
	r.GET("/{version}/{id}/message_templates", s.graph(s.messageTemplates))
	r.GET("/{version}/{id}/phone_numbers", s.graph(s.phoneNumbers))
	r.GET("/{version}/{id}", s.graph(s.node))
	r.DELETE("/{version}/{id}", s.graph(s.deleteNode))
	r.GET("/{version}/oauth/access_token", s.graph(s.accessToken))
	r.GET("/{version}/debug_token", s.graph(s.debugToken))

	r.GET("/_fakemeta/stats", s.statsHandler)
	r.GET(mediaDownloadPath+"{id}", s.mediaDownload)
	r.GET("/_fakemeta/sent/{id}", s.sentHandler)
	r.POST("/_fakemeta/inbound", s.inboundHandler)
	return r.Handler
}

// Start listens on addr ("" is 127.0.0.1:0, a free loopback port) and serves in the
// background.
func (s *Server) Start(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil || s.closed {
		return errors.New("fakemeta: already started or closed")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("fakemeta: listen %s: %w", addr, err)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// The label follows every goroutine the server starts, so a CPU profile of a bench
		// (fakemeta in the engine's process) tells fakemeta's share: -tagfocus=component=fakemeta.
		pprof.Do(context.Background(), pprof.Labels("component", "fakemeta"), func(context.Context) {
			if err := s.srv.Serve(ln); err != nil {
				s.log.Error("fakemeta: serve", "err", err)
			}
		})
	}()
	s.log.Info("fakemeta listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the listening address (host:port), "" before Start.
func (s *Server) Addr() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the base URL to configure as META_GRAPH_URL.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops serving, abandons pending webhooks and waits for every goroutine it started.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	started := s.ln != nil
	s.mu.Unlock()

	s.stop()
	var err error
	if started {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.srv.ShutdownWithContext(ctx)
		cancel()
		// fasthttp closes only the listeners Serve has registered; when Close follows Start
		// before the Serve goroutine got that far, Serve would accept forever and Wait below
		// would never return. Closing the listener ourselves ends it either way.
		s.mu.RLock()
		_ = s.ln.Close()
		s.mu.RUnlock()
	}
	s.wg.Wait()
	s.hooks.close()
	if err != nil {
		return fmt.Errorf("fakemeta: shutdown: %w", err)
	}
	return nil
}

// goBackground runs f in a goroutine Close waits for; f must return once s.bg is done.
func (s *Server) goBackground(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

var versionPattern = regexp.MustCompile(`^v\d+\.\d+$`)

// graph wraps a Graph endpoint: any vNN.N version, then the configured latency. The
// handler runs on arrival — the limiters and the busiest second see the time the request
// came, as Meta's do — and only its answer is held back by the latency: sleeping first
// shifted arrivals by the jitter, so a client pacing correctly got false 130429s.
func (s *Server) graph(h fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		v, _ := ctx.UserValue("version").(string)
		if !versionPattern.MatchString(v) {
			writeError(ctx, plainError(400, 2500, 0, "Unknown path components: /"+v))
			return
		}
		h(ctx)
		if d := s.cfg.Latency + jitter(s.cfg.LatencyJitter); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-s.bg.Done():
				t.Stop()
			}
		}
	}
}

func jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}

// bearer is the request's access token: the Authorization header, or the access_token
// query parameter Graph also accepts.
func bearer(ctx *fasthttp.RequestCtx) string {
	h := string(ctx.Request.Header.Peek(fasthttp.HeaderAuthorization))
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[7:]
	}
	return string(ctx.QueryArgs().Peek("access_token"))
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		ctx.Error("fakemeta: encode: "+err.Error(), fasthttp.StatusInternalServerError)
		return
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("X-FB-Trace-ID", traceID())
	ctx.SetBody(b)
}

func writeError(ctx *fasthttp.RequestCtx, e *graph.APIError) {
	ctx.Response.Header.Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_request"`)
	writeJSON(ctx, e.HTTPStatus, e.Envelope())
}

func writeSuccess(ctx *fasthttp.RequestCtx) {
	writeJSON(ctx, 200, graph.SuccessResponse{Success: true})
}

func pathID(ctx *fasthttp.RequestCtx) string {
	id, _ := ctx.UserValue("id").(string)
	return id
}
