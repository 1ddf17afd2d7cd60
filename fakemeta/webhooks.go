package fakemeta

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Meta's legacy webhook signature is SHA-1
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/graph"
)

// errNoCallback: nowhere to post (no CallbackURL and no WABA override, or a WABA the app
// is not subscribed to).
var errNoCallback = errors.New("fakemeta: no callback URL, or the WABA is not subscribed to the app")

// webhookSender posts signed webhooks like Meta: concurrently, retrying any answer but 200
// with growing waits — bounded, where Meta keeps trying for 7 days.
type webhookSender struct {
	secret string
	cfg    WebhookConfig
	client *fasthttp.Client
	slots  chan struct{} // bounds POSTs in flight
	log    *slog.Logger

	delivered, attempts, dropped atomic.Int64
	// unsubscribed counts the webhooks of WABAs the app is not subscribed to (also
	// counted as dropped).
	unsubscribed atomic.Int64
}

func newWebhookSender(secret string, cfg WebhookConfig, log *slog.Logger) *webhookSender {
	return &webhookSender{
		secret: secret, cfg: cfg, log: log,
		slots: make(chan struct{}, cfg.Concurrency),
		client: &fasthttp.Client{
			Name:                "facebookexternalua",
			MaxConnsPerHost:     cfg.Concurrency,
			MaxConnWaitTimeout:  cfg.Timeout,
			ReadTimeout:         cfg.Timeout,
			WriteTimeout:        cfg.Timeout,
			MaxIdleConnDuration: 30 * time.Second,
		},
	}
}

// post delivers body to url, signed with the app secret, until it is answered 200, the
// attempts are spent, or ctx ends; it waits between attempts.
func (w *webhookSender) post(ctx context.Context, url string, body []byte) error {
	sig := graph.SignatureValue(w.secret, body)
	wait := w.cfg.Backoff
	for attempt := 1; ; attempt++ {
		if done, err := w.try(ctx, url, body, sig, attempt); done {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			w.dropped.Add(1)
			return ctx.Err()
		}
		wait = w.nextWait(wait)
	}
}

// try makes the attempt-th POST of body (signed sig) to url, counting it. done is false when
// the POST failed and attempts remain; otherwise the webhook was delivered (err nil) or,
// counted as dropped, given up on (err says why).
func (w *webhookSender) try(ctx context.Context, url string, body []byte, sig string, attempt int) (done bool, err error) {
	if url == "" {
		w.dropped.Add(1)
		return true, errNoCallback
	}
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		w.dropped.Add(1)
		return true, ctx.Err()
	}
	status, err := w.once(ctx, url, body, sig)
	<-w.slots
	w.attempts.Add(1)
	if err == nil && status == fasthttp.StatusOK {
		w.delivered.Add(1)
		return true, nil
	}
	if attempt >= w.cfg.Attempts {
		w.dropped.Add(1)
		w.log.Warn("fakemeta: webhook dropped", "url", url, "attempts", attempt, "status", status, "err", err)
		return true, fmt.Errorf("fakemeta: webhook to %s: %d attempts failed (last: HTTP %d, %v)", url, attempt, status, err)
	}
	return false, err
}

// nextWait is the wait before the retry after one that waited wait.
func (w *webhookSender) nextWait(wait time.Duration) time.Duration {
	return min(wait*2, w.cfg.MaxBackoff)
}

// once is one POST, bounded by the configured timeout and ctx's deadline.
func (w *webhookSender) once(ctx context.Context, url string, body []byte, sig string) (int, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	req.Header.Set(graph.SignatureHeader, sig)
	if w.cfg.LegacySignature {
		req.Header.Set(legacySignatureHeader, legacySignature(w.secret, body))
	}
	req.SetBodyRaw(body)
	deadline := time.Now().Add(w.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := w.client.DoDeadline(req, resp, deadline); err != nil {
		return 0, err
	}
	return resp.StatusCode(), nil
}

func (w *webhookSender) stats() WebhookStats {
	return WebhookStats{Delivered: w.delivered.Load(), Attempts: w.attempts.Load(), Dropped: w.dropped.Load(),
		Unsubscribed: w.unsubscribed.Load()}
}

func (w *webhookSender) resetStats() {
	w.delivered.Store(0)
	w.attempts.Store(0)
	w.dropped.Store(0)
	w.unsubscribed.Store(0)
}

func (w *webhookSender) close() { w.client.CloseIdleConnections() }

// overrideOf is the WABA's subscribed_apps override callback, "" for none.
func (s *Server) overrideOf(wabaID string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if w, ok := s.wabas[wabaID]; ok {
		return w.overrideURL
	}
	return ""
}

// callbackFor is where one webhook of the WABA goes: its subscribed_apps override, else the
// app's callback URL — or nowhere ("", which the sender drops) when the app is not
// subscribed to the WABA: "without this step … real messages never arrive" (WHATSAPP.md
// §4.2 step 3). It is asked once per webhook, at its first attempt, and counts the
// webhooks it sends nowhere for that reason (WebhookStats.Unsubscribed).
func (s *Server) callbackFor(wabaID string) string {
	s.mu.RLock()
	w, ok := s.wabas[wabaID]
	subscribed, override := ok && w.subscribed, ""
	if ok {
		override = w.overrideURL
	}
	s.mu.RUnlock()
	switch {
	case !subscribed:
		s.hooks.unsubscribed.Add(1)
		s.log.Debug("fakemeta: webhook dropped: the app is not subscribed to the WABA", "waba", wabaID)
		return ""
	case override != "":
		return override
	}
	return s.cfg.CallbackURL
}

// legacySignatureHeader carries the SHA-1 signature Graph webhooks may also have.
const legacySignatureHeader = "X-Hub-Signature"

// legacySignature is "sha1=" and the lower-case hex HMAC-SHA1 of body with the app secret.
func legacySignature(secret string, body []byte) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return "sha1=" + hex.EncodeToString(mac.Sum(nil))
}
