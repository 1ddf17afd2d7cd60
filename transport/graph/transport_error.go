package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// ErrTransport matches (errors.Is) every TransportError.
var ErrTransport = errors.New("graph: transport failure")

// TransportError is a call that got no answer from Meta: dial failure, reset, timeout,
// deadline. It classifies as RetryTransient — but for a send, MaybeSent matters more.
//
// Meta has no idempotency key. When MaybeSent is true the request may have reached Meta
// and the message may be on its way to the user: the caller must reconcile (wait for a
// status webhook carrying its biz_opaque_callback_data, or mark the outbox row "unknown")
// instead of blindly resending, which risks a duplicate to the customer. Only when
// MaybeSent is false (the connection was never made) is a resend safe.
type TransportError struct {
	Op        string // e.g. "POST /v24.0/{id}/messages", without query (it can hold secrets)
	MaybeSent bool
	Err       error
}

func (e *TransportError) Error() string {
	s := "graph: " + e.Op + ": " + e.Err.Error()
	if e.MaybeSent {
		s += " (request may have been processed)"
	}
	return s
}

// Unwrap exposes the cause (fasthttp.ErrTimeout, context.DeadlineExceeded, *net.OpError…).
func (e *TransportError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTransport) true.
func (e *TransportError) Is(target error) bool { return target == ErrTransport }

// IsMaybeSent reports whether err leaves open that Meta processed the request: a transport
// failure after the request may have been written, or a 5xx that is not Meta's error
// envelope. The latter comes from something between us and Graph (a proxy, a load
// balancer, Meta's edge) after it took the request: a 504 means it passed it on and stopped
// waiting, a 502 that the answer broke on the way back, and the body cannot say which part
// of the trip failed. Only Meta's own error answers are definite refusals (WHATSAPP.md §2.1:
// resend only on explicit error responses).
func IsMaybeSent(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.MaybeSent
	}
	var apiErr *APIError
	return errors.As(err, &apiErr) && !apiErr.Parsed && apiErr.HTTPStatus >= 500
}

// deadlineSlack is how close to the context's deadline a fasthttp timeout counts as that
// deadline (the two timers fire independently).
const deadlineSlack = 5 * time.Millisecond

// transportError wraps a fasthttp failure. A call whose connection never opened was
// certainly not processed; anything later (timeouts, resets, early close) may have been.
// When the context's deadline was what stopped the call, the cause also matches
// context.DeadlineExceeded, so callers can test for it the usual way.
func transportError(ctx context.Context, op string, err error) *TransportError {
	if errors.Is(err, fasthttp.ErrTimeout) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		} else if dl, ok := ctx.Deadline(); ok && time.Until(dl) < deadlineSlack {
			// fasthttp's timer can beat the context's by a hair; it is the same deadline.
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
	}
	return &TransportError{Op: op, MaybeSent: !neverConnected(err), Err: err}
}

func neverConnected(err error) bool {
	if errors.Is(err, fasthttp.ErrDialTimeout) || errors.Is(err, fasthttp.ErrNoFreeConns) ||
		errors.Is(err, fasthttp.ErrTLSHandshakeTimeout) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}
