package rest

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/fasthttp/router"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/edge"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
	"github.com/switchboard/switchboard/transport/ratelimit"
)

// Options is what the REST edge needs from the node.
type Options struct {
	Accounts *accounts.Service
	Store    persistence.Store
	Limiter  ratelimit.Limiter
	Metrics  *edge.Metrics
	Gatherer prometheus.Gatherer
	// MetricsToken, when set, is the bearer token GET /metrics requires (METRICS_TOKEN).
	MetricsToken string
	// RedisPing reports Redis health; nil when REDIS_URL is unset.
	RedisPing func(context.Context) error
	Version   string
	Logger    *slog.Logger

	CORSOrigins []string
	// TrustProxy is how many proxies in front write X-Forwarded-For (edge.ClientIP).
	TrustProxy   int
	APIBodyLimit int
	RateAPI      ratelimit.Rule
	RateAuth     ratelimit.Rule
	// RateAuthFailures limits requests without a valid token per client IP: the per-user
	// limit cannot apply to them (RATE_LIMIT_AUTH_FAILURES; zero: none).
	RateAuthFailures ratelimit.Rule
	// RateLoginAccount limits login attempts per account, from any address: the per-IP
	// rule (RateAuth) does not stop a guesser with many addresses (RATE_LIMIT_LOGIN_ACCOUNT;
	// zero: none).
	RateLoginAccount ratelimit.Rule
	// RateSend limits message sends and media uploads per user (RATE_LIMIT_SEND); they do
	// not count against RateAPI, which limits every other authenticated request.
	RateSend ratelimit.Rule
	// RateMessageFetch limits fetches of one message per user (RATE_LIMIT_MESSAGE_FETCH),
	// apart from RateAPI: until a push exists, polling GET /messages/:c/:m is how a client
	// follows a send, and at RateAPI's 100 per 15 minutes one poll every 10 s used the
	// agent's whole budget and locked its inbox out.
	RateMessageFetch ratelimit.Rule
	RequestTimeout   time.Duration
	// OutboundValidity is OUTBOUND_VALIDITY: how long after acceptance any message may still
	// go out, shown as a message's delivery.expiresAt when its own validFor is not sooner.
	OutboundValidity time.Duration

	// Actors is the grain client (conversations, tenants).
	Actors *actors.Client
	// IDs names new messages.
	IDs *ids.Generator
	// OnMarkRead is told when a conversation is marked read (the read receipt to Meta).
	OnMarkRead func(context.Context, actors.ConversationSummary)
	// OnTyping is told when an agent starts typing a reply (Meta's typing indicator, which
	// also marks the customer's last message read).
	OnTyping func(context.Context, actors.ConversationSummary)
	// PhoneNumberStatus asks Meta for a connected tenant's number, health status included
	// (GET /tenants/:id/status); nil leaves Meta's half of the status out.
	PhoneNumberStatus func(ctx context.Context, tenantID string) (*graph.PhoneNumber, error)
	// UploadMedia uploads a file to Meta from the tenant's number and returns Meta's media
	// id (POST /media); a tenant that cannot send answers *actors.SendRefusedError.
	UploadMedia func(ctx context.Context, tenantID string, m graph.MediaUpload) (string, error)
	// SyncTemplates reads every page of the tenant's templates from Meta and has the tenant
	// replace its own with them (POST /templates/sync).
	SyncTemplates func(ctx context.Context, tenantID string) (*actors.TemplatesSynced, error)

	// Mount adds routes owned by other transport packages (the webhook edge, WebSocket).
	Mount []func(r *router.Router)
}

// Server is the REST edge of one node.
type Server struct {
	accounts       *accounts.Service
	opts           Options
	requestTimeout time.Duration
	started        time.Time
	handler        fasthttp.RequestHandler
	uploads        chan struct{} // media uploads in flight (maxUploadsInFlight)
	// ipKey is the client's rate-limit key (edge.KeyByIP), for every per-IP limit.
	ipKey func(*fasthttp.RequestCtx) string
	// routes lists the router's routes by method (path parameters as {name}): what
	// openapi.json must describe (TestOpenAPICoversEveryRoute).
	routes map[string][]string
}

// New builds the router and the middleware chain.
func New(opts Options) *Server {
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{accounts: opts.Accounts, opts: opts, requestTimeout: opts.RequestTimeout, started: time.Now(),
		uploads: make(chan struct{}, maxUploadsInFlight), ipKey: edge.KeyByIP(opts.TrustProxy)}

	r := router.New()
	r.SaveMatchedRoutePath = true
	r.RedirectTrailingSlash = false
	// A path not routed as written (another case, an empty or dot segment) is the JSON 404.
	// The router's fix was a redirect whose Location it built from the request's Host and
	// the connection's scheme: behind a TLS-terminating proxy it sent clients, and the bearer
	// tokens they re-send to the same host, to http://, and it answered no envelope.
	r.RedirectFixedPath = false
	// CORS answers browsers' preflights before the router; a plain OPTIONS gets the path's
	// methods (Allow, set by the router) and 204, so no 405 lists OPTIONS as allowed.
	r.HandleOPTIONS = true
	r.GlobalOPTIONS = func(ctx *fasthttp.RequestCtx) { ctx.SetStatusCode(fasthttp.StatusNoContent) }
	r.NotFound = func(ctx *fasthttp.RequestCtx) {
		httpx.Fail(ctx, httpx.NewError(http.StatusNotFound, httpx.CodeNotFound, "No route for "+string(ctx.Path())))
	}
	r.MethodNotAllowed = func(ctx *fasthttp.RequestCtx) {
		httpx.Fail(ctx, httpx.NewError(http.StatusMethodNotAllowed, httpx.CodeMethodNotAllowed,
			string(ctx.Method())+" is not allowed on "+string(ctx.Path())))
	}
	r.PanicHandler = nil // edge.Recover answers panics with the JSON envelope

	ipKey := s.ipKey
	api := func(h fasthttp.RequestHandler, mws ...httpx.Middleware) fasthttp.RequestHandler {
		return httpx.Chain(h, append([]httpx.Middleware{edge.BodyLimit(opts.APIBodyLimit)}, mws...)...)
	}
	// Each limit is one middleware, shared by the routes it covers.
	apiLimit := edge.RateLimit(opts.Limiter, opts.RateAPI, userKey)
	// Sends (and uploads) count against the send limit alone: it is the one meant for them
	// (60/min by default), and counting them against the API's too (100/15 min) held an
	// agent to fewer than 7 sends a minute, and to none after reading the inbox.
	sendLimit := edge.RateLimit(opts.Limiter, opts.RateSend, userKey)
	authed := func(h fasthttp.RequestHandler) fasthttp.RequestHandler {
		return api(h, s.requireAuth, apiLimit)
	}

	v1 := r.Group("/api/v1")
	v1.POST("/auth/login", api(s.h(s.login), edge.RateLimit(opts.Limiter, opts.RateAuth, ipKey)))
	v1.POST("/auth/register", authed(gate(auth.Principal.RegistersUsers, s.h(s.register))))
	v1.GET("/auth/me", authed(s.h(s.me)))
	v1.POST("/tenants", authed(gate(auth.Principal.IsPlatformAdmin, s.h(s.createTenant))))
	v1.GET("/tenants", authed(gate(auth.Principal.IsPlatformAdmin, s.h(s.listTenants))))
	v1.GET("/tenants/{id}/status", authed(s.h(s.tenantStatus)))
	v1.GET("/conversations", authed(s.h(s.listConversations)))
	v1.GET("/conversations/{id}", authed(s.h(s.getConversation)))
	v1.PUT("/conversations/{id}/read", authed(s.h(s.markConversationRead)))
	v1.PUT("/conversations/{id}/typing", authed(s.h(s.showTyping)))
	v1.PUT("/conversations/{id}/assign", authed(s.h(s.assignConversation)))
	v1.GET("/messages/{conversationId}", authed(s.h(s.listMessages)))
	v1.GET("/messages/{conversationId}/{messageId}", api(s.h(s.getMessage), s.requireAuth,
		edge.RateLimit(opts.Limiter, opts.RateMessageFetch, userKey)))
	v1.POST("/messages/{conversationId}/{messageId}/cancel", authed(s.h(s.cancelMessage)))
	v1.GET("/templates", authed(s.h(s.listTemplates)))
	v1.POST("/templates/sync", authed(s.h(s.syncTemplates)))
	sending := func(h fasthttp.RequestHandler) fasthttp.RequestHandler {
		return api(h, s.requireAuth, sendLimit)
	}
	v1.POST("/messages/send", sending(s.h(s.sendText)))
	v1.POST("/messages/send-template", sending(s.h(s.sendTemplate)))
	v1.POST("/messages/send-media", sending(s.h(s.sendMedia)))
	v1.POST("/messages/send-interactive", sending(s.h(s.sendInteractive)))
	v1.POST("/messages/send-reaction", sending(s.h(s.sendReaction)))
	// The upload's body is bounded by MEDIA_UPLOAD_LIMIT before it is read (the server's
	// HeaderReceived), not by API_BODY_LIMIT.
	v1.POST(strings.TrimPrefix(MediaUploadPath, "/api/v1"), httpx.Chain(s.h(s.uploadMedia), s.requireAuth, sendLimit))
	v1.GET("/health", s.h(s.health))
	v1.GET("/openapi.json", serveOpenAPI)
	if opts.Metrics != nil && opts.Gatherer != nil {
		r.GET("/metrics", s.metricsGuard(opts.MetricsToken, opts.Metrics.Handler(opts.Gatherer)))
	}
	for _, mount := range opts.Mount {
		mount(r)
	}
	// Copied before HEAD is added (List is the router's own map): openapi.json describes
	// the GETs, which imply it.
	s.routes = maps.Clone(r.List())
	headFollowsGet(r)

	mws := []httpx.Middleware{
		edge.RequestID(),
		edge.AccessLog(opts.Logger),
	}
	// Outside Recover, as the access log: a panic unwinds past what stands inside it, and
	// a 500 from a panic went uncounted.
	if opts.Metrics != nil {
		mws = append(mws, opts.Metrics.Middleware())
	}
	mws = append(mws, edge.Recover(opts.Logger), edge.SecurityHeaders(), edge.CORS(opts.CORSOrigins), edge.HPP())
	s.handler = httpx.Chain(edge.TrailingSlash(r.Handler), mws...)
	return s
}

// Handler is the whole edge: middleware around the router.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handler }

// h adapts a handler that wants a context with the request deadline; every store or network
// call a handler makes goes through that context. The parent is Background, never the
// RequestCtx: fasthttp recycles a RequestCtx when the handler returns, and a context derived
// from it could still be read by its timer afterwards (a data race).
func (s *Server) h(f func(*fasthttp.RequestCtx, context.Context)) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		c, cancel := context.WithTimeout(context.Background(), s.requestTimeout)
		defer cancel()
		f(ctx, c)
	}
}
