package graph

import "errors"

// ErrorClass is what the engine does about a failed call (WHATSAPP.md §2.3). Classes are
// keyed by Meta's code, never by HTTP status or message text (both drift).
type ErrorClass int

const (
	// Fail: the message cannot succeed as sent (bad parameter, undeliverable, window
	// closed): record code and details, surface them, do not retry.
	Fail ErrorClass = iota
	// RetryThroughput: the number's messages-per-second limit (130429). Re-queue, slow the
	// number's token bucket, retry after a short backoff.
	RetryThroughput
	// RetryPair: too many messages to this one recipient (131056). Retry only this
	// recipient, after 4^X seconds; other recipients are unaffected.
	RetryPair
	// RetryTransient: Meta-side trouble or app/WABA rate limits (131000, 131016, 1, 2,
	// 133004, 131057, 4, 80007), 5xx, and network failures. Retry with capped exponential
	// backoff (3–5 tries for 131000).
	RetryTransient
	// PauseTenant: the number or WABA is restricted (spam limit, policy block, payment,
	// locked account, template classification violations), the app lost its access to them
	// (0, 3, 10, 200–299, 131005) or the number is not registered (133010, 131045). Stop
	// sending for the tenant and alert it; hammering makes it worse, and failing the
	// messages would lose a backlog for a condition of the account.
	PauseTenant
	// Reauth: the tenant's token is expired or revoked (190). Mark the channel needs_reauth.
	Reauth
	// FailTemplate: the template is missing, paused, disabled or its parameters do not fit.
	// Fail the message, re-sync templates, stop campaigns using it.
	FailTemplate
)

var classNames = [...]string{
	Fail: "fail", RetryThroughput: "retry_throughput", RetryPair: "retry_pair",
	RetryTransient: "retry_transient", PauseTenant: "pause_tenant", Reauth: "reauth",
	FailTemplate: "fail_template",
}

// String is the class's stable snake_case name (for logs and metrics labels).
func (c ErrorClass) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Retryable reports whether the same request may be sent again later.
func (c ErrorClass) Retryable() bool {
	return c == RetryThroughput || c == RetryPair || c == RetryTransient
}

// classOfCode is the table of WHATSAPP.md §2.3; ok is false for codes it does not name,
// which fall to the rules in Class.
func classOfCode(code int) (c ErrorClass, ok bool) {
	if lostAccess(code) {
		// Auth, capability and permission errors: the app cannot act on the WABA or number,
		// a condition of the account that fails every message the same way (WHATSAPP.md
		// §2.3: "re-onboard or fix asset access"). Failing each queued message sent each to
		// Meta for the same answer; the tenant pauses instead and re-checks with one send
		// when the pause ends. Not Reauth, which holds the tenant until a new token is
		// stored: access fixed in Business Manager (an asset granted again, a setting
		// undone) needs no new token, and 0 ("unable to authenticate the app user") names a
		// setting as one cause; a token that is really dead answers 190 to the re-check.
		// Whatever HTTP status (Meta's old table gave 500 for 3).
		return PauseTenant, true
	}
	switch code {
	case 130429:
		return RetryThroughput, true
	case 131056:
		return RetryPair, true
	case 131000, 131016, 1, 2, 133004, 131057, 4, 80007:
		return RetryTransient, true
	case 131048, 368, 131042, 131031, 131064:
		return PauseTenant, true
	case 133010, 131045:
		// The number is not (or no longer properly) registered for Cloud API: no message
		// of the tenant can go until it is registered again, so failing the message would
		// fail the whole backlog in seconds for a condition of the account; the sends wait
		// as for a restriction (Meta's old table gave 131045 HTTP 500: not a retry either).
		return PauseTenant, true
	case 190:
		return Reauth, true
	case 132000, 132001, 132005, 132007, 132012, 132015, 132016, 132018:
		return FailTemplate, true
	}
	return Fail, false
}

// lostAccess reports whether code is one of the app's access errors (auth, capability,
// permission: 0, 3, 10, 200–299, 131005), which pause the tenant (classOfCode): the one
// list of them.
func lostAccess(code int) bool {
	return code == 0 || code == 3 || code == 10 || code == 131005 || (code >= 200 && code <= 299)
}

// LostAccess reports whether Meta refused the send for the app's access to the number or
// WABA (auth, capability, permission). Such a refusal pauses the tenant as a restriction
// does, but may also be about the one message (a permission it alone needs): the sender
// counts these pauses against the message's attempts, so that one message cannot hold its
// tenant paused for its whole validity (actors/OUTBOUND.md). Only Graph's own answer: a
// body that did not parse has no code.
func (e *APIError) LostAccess() bool {
	return e.Parsed && lostAccess(e.Code)
}

// Meta's rate limits above a number's (WHATSAPP.md §3): the app's, on every call it makes for
// any WABA, and a WABA's, on its management and send calls.
const (
	CodeAppRateLimit  = 4
	CodeWABARateLimit = 80007
)

// RateLimited reports whether Graph answered with the app's or a WABA's rate limit: unlike
// a number's throughput (130429), the answer to any call the app or the WABA makes until
// Meta's wait is over.
func (e *APIError) RateLimited() bool {
	return e.Parsed && (e.Code == CodeAppRateLimit || e.Code == CodeWABARateLimit)
}

// Unavailable reports whether a refusal with this code means Meta could not take any message
// just then — service unavailable (131016), downtime (2, 133004), maintenance (131057), the
// app's or the WABA's rate limit (4, 80007) — which says nothing of the message itself: it
// is retried after Meta's wait for as long as the message is valid, not a few times (a
// minutes-long outage would fail every message sent into it). 131000 ("something went
// wrong") and 1 ("unknown error") may be the message's own trouble: their retries are
// capped (WHATSAPP.md §2.3: "capped (3–5 tries)").
func Unavailable(code int) bool {
	switch code {
	case 131016, 2, 133004, 131057, CodeAppRateLimit, CodeWABARateLimit:
		return true
	}
	return false
}

// TakesNoMessage reports whether the answer says that no message could be taken just then,
// whatever the message: one of Meta's codes of Unavailable, or a 429 or 408 that is not
// Graph's envelope — an edge's or proxy's rate limit or request timeout, which refused the
// request before Meta took it up (a 5xx page is different: it may come after Meta did,
// IsMaybeSent).
func (e *APIError) TakesNoMessage() bool {
	if !e.Parsed {
		return e.HTTPStatus == 429 || e.HTTPStatus == 408
	}
	return Unavailable(e.Code)
}

// PausesSends reports whether an error with this code, however it arrives (a send's answer
// or a failed status webhook: WHATSAPP.md §2.2 says to handle both paths for the same
// code), means the tenant's number or account is restricted and its sends must stop.
func PausesSends(code int) bool {
	c, ok := classOfCode(code)
	return ok && c == PauseTenant
}

// RetryableFailure reports whether a failed status webhook with this code — Meta accepted the
// send, then could not deliver it — may be answered by sending the message again: Meta's own
// trouble (131000 "something went wrong", 131016 …), its rate limits (130429 the number's
// throughput, 131056 the pair's limit: WHATSAPP.md §2.3 puts both in the retryable set, and
// §2.2 says to handle both paths for the same code; Meta's webhook error reference shows
// 130429 arriving in a failed status), which WHATSAPP.md §2.3 retries on either path, and a
// restriction of the account (PausesSends: 131048 "retry hours later", 368 …), whose message
// goes again once the pause it causes is over, as the same code answering a send queues it
// again. Any other asynchronous failure is about the message or its recipient (131026,
// 131047, 131050 …), and sending it again changes nothing.
func RetryableFailure(code int) bool {
	c, ok := classOfCode(code)
	return ok && (c == RetryTransient || c == RetryThroughput || c == RetryPair || c == PauseTenant)
}

// Class says what to do about e.
func (e *APIError) Class() ErrorClass {
	if !e.Parsed {
		// No Graph body: a proxy, load balancer or Meta edge answered. Only the status
		// tells us anything.
		if e.HTTPStatus >= 500 || e.HTTPStatus == 429 || e.HTTPStatus == 408 {
			return RetryTransient
		}
		return Fail
	}
	if c, ok := classOfCode(e.Code); ok {
		return c
	}
	if e.HTTPStatus >= 500 || e.IsTransient {
		return RetryTransient
	}
	return Fail
}

// ClassOf classifies any error a Client method returned: *APIError by its code,
// *TransportError as RetryTransient, anything else (an unencodable request) as Fail.
func ClassOf(err error) ErrorClass {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Class()
	}
	if errors.Is(err, ErrTransport) {
		return RetryTransient
	}
	return Fail
}
