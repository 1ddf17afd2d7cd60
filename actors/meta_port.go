package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Graph is the part of Meta's Graph API the sender needs. The engine adapts
// transport/graph's client to it: actors never import transport (ARCHITECTURE.md), so
// Meta's error table reaches the domain as a SendFailure class.
type Graph interface {
	// Send posts request (the JSON body of POST /{phone_number_id}/messages) from
	// phoneNumberID with the tenant's token and returns Meta's answer. Every error is a
	// *SendFailure.
	Send(ctx context.Context, token, phoneNumberID string, request []byte) (Accepted, error)
}

// Accepted is Meta's answer to a send it took: the message's wamid and, for a send to a
// phone number, the customer's wa_id as Meta normalised it (contacts[0].wa_id: a Brazilian
// or Mexican mobile may come back in its other form, WHATSAPP.md §2).
type Accepted struct {
	WAMID string
	WaID  string
}

// Secrets opens a tenant's sealed access token; aad is the tenant id, so a token copied
// onto another tenant does not open (vault.Vault implements it).
type Secrets interface {
	Open(s persistence.SealedSecret, aad string) (string, error)
}

// FailureClass is what the sender does about a failed send (WHATSAPP.md §2.3).
type FailureClass int

const (
	// ClassFail: the message cannot succeed as sent: fail it with Meta's code and title.
	ClassFail FailureClass = iota
	// ClassFailTemplate: the template is missing, paused or its parameters do not fit.
	ClassFailTemplate
	// ClassRetryThroughput: the number's messages-per-second limit (130429): slow the
	// number down, retry after a backoff.
	ClassRetryThroughput
	// ClassRetryPair: too many messages to this recipient (131056): delay only it, 4^X s.
	ClassRetryPair
	// ClassRetryTransient: Meta-side trouble, app rate limits, or no answer at all:
	// exponential backoff; attempts capped unless Meta never took the message up
	// (SendFailure.Unreached, SendFailure.Unavailable).
	ClassRetryTransient
	// ClassPauseTenant: the number or WABA is restricted (131048, 368, 131042, 131031,
	// 131064), or the number is not registered (133010, 131045): stop the tenant's sends
	// for a while.
	ClassPauseTenant
	// ClassReauth: the token is expired or revoked (190): the tenant needs a new signup.
	ClassReauth
)

var failureClassNames = [...]string{
	ClassFail: "fail", ClassFailTemplate: "fail_template", ClassRetryThroughput: "retry_throughput",
	ClassRetryPair: "retry_pair", ClassRetryTransient: "retry_transient", ClassPauseTenant: "pause_tenant",
	ClassReauth: "reauth",
}

func (c FailureClass) String() string {
	if c >= 0 && int(c) < len(failureClassNames) {
		return failureClassNames[c]
	}
	return "unknown"
}

// SendFailure is a send Meta refused, or one that got no answer.
type SendFailure struct {
	Class FailureClass
	// Code is Meta's error code (0 for a failure without an answer); Title and Details are
	// what the inbox shows on a failed message.
	Code    int
	Title   string
	Details string
	// MaybeSent: no answer came back, and the request may have reached Meta (timeout,
	// reset after writing). Such a send is reconciled, never blindly resent.
	MaybeSent bool
	// Unreached: the request never left, because no connection to Meta could be had
	// (refused, no route, no free connection). Meta said nothing about the message, so
	// the attempt does not count against MaxTransientAttempts: the message waits, backing
	// off, until Meta is reachable or its validity ends.
	Unreached bool
	// Unavailable: Meta refused the send because it could take no message just then
	// (graph.APIError.TakesNoMessage: service unavailable, downtime, maintenance, rate
	// limits, or an edge's 429/408 in front of Meta). As for Unreached, the attempt says
	// nothing of the message: it waits Meta's backoff and is not counted against
	// MaxTransientAttempts, until Meta takes it or its validity ends.
	Unavailable bool
	// AccessLost: a ClassPauseTenant refusal for the app's access to the number or WABA
	// (graph.APIError.LostAccess: 0, 3, 10, 200–299, 131005). It pauses the tenant, but it
	// may be about this message alone, which would then go first at every re-check for its
	// whole validity: each such pause counts against MaxTransientAttempts, and past them the
	// message fails with Meta's code and the next one re-checks.
	AccessLost bool
	// Reason is whose the failure is (MessageError.Reason): ReasonMeta for Graph's own
	// error envelope, ReasonHTTPError for an HTTP answer without it, ReasonUnreachable when
	// the request never left. Empty: ReasonMeta when Code is set (reason).
	Reason string
	// Backoff is the wait Meta's rules suggest before retry number attempt (0 = the first
	// retry); nil suggests nothing and the policy's defaults apply.
	Backoff func(attempt int) time.Duration
}

func (f *SendFailure) Error() string {
	s := fmt.Sprintf("send failed (%s): %d %s", f.Class, f.Code, f.Title)
	if f.Details != "" {
		s += ": " + f.Details
	}
	if f.MaybeSent {
		s += " (may have been sent)"
	}
	return s
}

// reason is f's Reason, or ReasonMeta for a failure with Meta's code that names none.
func (f *SendFailure) reason() string { return reasonOr(f.Reason, f.Code) }

// wait is the backoff before retry number attempt, falling back to base·2^attempt.
func (f *SendFailure) wait(attempt int, base, limit time.Duration) time.Duration {
	if f.Backoff != nil {
		if d := f.Backoff(attempt); d > 0 {
			return d
		}
	}
	d := base
	for range attempt {
		if d *= 2; d >= limit {
			return limit
		}
	}
	return d
}
