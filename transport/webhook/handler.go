package webhook

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/fasthttp/router"
	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/internal/ids"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
	"github.com/switchboard/switchboard/transport/httpx"
)

// writeTimeout bounds one inbox write; past it the webhook answers 503 and Meta retries.
const writeTimeout = 5 * time.Second

// Handler is the webhook edge.
type Handler struct {
	verifier    *graph.Verifier
	verifyToken string
	writer      *Writer
	ids         *ids.Generator
	live        Live
	log         *slog.Logger
	refusals    *Refusals // nil: refused POSTs are not limited
}

// LimitRefusals limits the POSTs refused for their signature per address (Refusals); nil
// limits nothing. Call before serving.
func (h *Handler) LimitRefusals(r *Refusals) { h.refusals = r }

// Live is the processor's live queue as the edge feeds it (Processor; live.go): Expect
// before an entry's write, then Submit once it is durable, or Forget when it is not. None
// of them may block (the processor drops to replay-from-store when its queue is full).
type Live interface {
	Expect(id string) bool
	Submit(e persistence.InboxEntry, announced bool)
	Forget(id string)
}

// NewHandler builds the edge; live takes each durable entry for processing.
func NewHandler(v *graph.Verifier, verifyToken string, w *Writer, gen *ids.Generator, live Live, log *slog.Logger) *Handler {
	return &Handler{verifier: v, verifyToken: verifyToken, writer: w, ids: gen, live: live, log: log}
}

// Path is where Meta posts webhooks (and verifies the subscription with a GET).
const Path = "/api/v1/webhook"

// Mount adds GET and POST /api/v1/webhook.
func (h *Handler) Mount(r *router.Router) {
	r.GET(Path, h.verify)
	r.POST(Path, h.receive)
}

// verify answers Meta's subscription handshake: the challenge, byte for byte, as plain text.
// Without a challenge there is no handshake (Meta always sends one): 403, as API.md says of
// anything but the three, not a 200 with nothing that a check would take for success.
func (h *Handler) verify(ctx *fasthttp.RequestCtx) {
	q := ctx.QueryArgs()
	token := q.Peek("hub.verify_token")
	if string(q.Peek("hub.mode")) != "subscribe" || h.verifyToken == "" || len(q.Peek("hub.challenge")) == 0 ||
		subtle.ConstantTimeCompare(token, []byte(h.verifyToken)) != 1 {
		httpx.Fail(ctx, httpx.NewError(http.StatusForbidden, httpx.CodeForbidden, "Webhook verification failed"))
		return
	}
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBody(q.Peek("hub.challenge"))
}

var accepted = []byte(`{"success":true,"message":"EVENT_RECEIVED"}`)

// receive verifies, stores, then acknowledges. Nothing unsigned is stored; nothing stored
// is lost; nothing is acknowledged before it is stored.
func (h *Handler) receive(ctx *fasthttp.RequestCtx) {
	now := time.Now()
	key, ok := h.refusals.admit(ctx, now)
	if !ok {
		return
	}
	body := ctx.PostBody()
	if err := h.verifier.VerifyHeader(body, ctx.Request.Header.Peek(graph.SignatureHeader)); err != nil {
		h.refusals.refused(key)
		msg := "Invalid webhook signature"
		if errors.Is(err, graph.ErrSignatureMissing) {
			msg = "Missing X-Hub-Signature-256"
		}
		httpx.Fail(ctx, httpx.NewError(http.StatusUnauthorized, httpx.CodeInvalidSignature, msg))
		return
	}
	h.refusals.delivered(key, now)
	entry := persistence.InboxEntry{
		ID: h.ids.New(), ReceivedAt: now.UTC(),
		// fasthttp reuses the request buffer after the handler returns.
		Body: append([]byte(nil), body...),
	}
	// Announced before the write: a replay reading the entry back from the store then
	// knows the live queue carries it too (live.go).
	announced := h.live.Expect(entry.ID)
	if err := h.writer.Append(entry, writeTimeout); err != nil {
		h.live.Forget(entry.ID)
		h.log.Warn("webhook not stored; answering 503 so Meta retries", "err", err)
		e := httpx.NewError(http.StatusServiceUnavailable, httpx.CodeUnavailable, "Could not store the event; retry")
		e.RetryAfterSeconds = 1
		httpx.Fail(ctx, e)
		return
	}
	h.live.Submit(entry, announced)
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("application/json")
	ctx.SetBody(accepted)
}
