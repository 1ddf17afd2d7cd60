package actors

import "time"

// action is what the sender does with a message after a failed attempt.
type action int

const (
	// actRetry puts the message back in its lane, to go again after wait.
	actRetry action = iota
	// actFail ends the message with Meta's error.
	actFail
	// actUnknown parks the message for reconciliation: it may have reached Meta.
	actUnknown
	// actPause retries the message once the tenant's pause is over.
	actPause
	// actReauth retries the message once the tenant has a working token again.
	actReauth
)

var actionNames = [...]string{actRetry: "retry", actFail: "fail", actUnknown: "unknown", actPause: "pause", actReauth: "reauth"}

func (a action) String() string { return actionNames[a] }

// decision is the verdict on one failed attempt.
type decision struct {
	action action
	// wait is how long the message waits before its next attempt (actRetry).
	wait time.Duration
	// throttle: the number must slow down (130429); pair: only this recipient waits (131056).
	throttle bool
	pair     bool
	// transient: the attempt counts against MaxTransientAttempts; unreached: Meta never took
	// the message up (it never left, SendFailure.Unreached, or Meta could take no message,
	// SendFailure.Unavailable) and the attempt counts only toward its own backoff.
	transient, unreached bool
	// err is what the failed message shows (actFail).
	err *MessageError
}

// Transient retries wait 1 s · 2^attempt, up to 5 min, unless Meta's own table says
// otherwise (SendFailure.Backoff).
const (
	transientBase = time.Second
	transientCap  = 5 * time.Minute
)

// decide applies WHATSAPP.md §2.3 to a failed attempt. transientTries is how many
// transient failures the message already had, unreachedTries how many attempts never left.
// A failure that may have reached Meta is never retried here, whatever its class:
// resending it could reach the customer twice. One that never left is retried until the
// message expires: failing it after a few seconds of our own network trouble would lose a
// message Meta never saw. So is one Meta refused because it could take no message then (an
// outage, maintenance, a rate limit): that too is no verdict on the message.
func decide(f *SendFailure, transientTries, unreachedTries int, p *OutboundPolicy) decision {
	if f.MaybeSent {
		return decision{action: actUnknown}
	}
	if f.Unreached || (f.Unavailable && f.Class == ClassRetryTransient) {
		return decision{action: actRetry, unreached: true, wait: f.wait(unreachedTries, transientBase, transientCap)}
	}
	switch f.Class {
	case ClassRetryThroughput:
		// The pacer slows the whole number; the sender sets the message's own backoff.
		return decision{action: actRetry, throttle: true}
	case ClassRetryPair:
		// The recipient's bucket decides the wait (4^X); other recipients go on.
		return decision{action: actRetry, pair: true}
	case ClassRetryTransient:
		return counted(decision{action: actRetry, transient: true, wait: f.wait(transientTries, transientBase, transientCap)}, f, transientTries, p)
	case ClassPauseTenant:
		if !f.AccessLost {
			return decision{action: actPause} // a restriction of the account: no verdict on the message
		}
		return counted(decision{action: actPause, transient: true}, f, transientTries, p)
	case ClassReauth:
		return decision{action: actReauth}
	}
	return decision{action: actFail, err: failureError(f)}
}

// counted is d, an attempt that counts against MaxTransientAttempts, unless the message has
// used them up: then it fails with Meta's error.
func counted(d decision, f *SendFailure, transientTries int, p *OutboundPolicy) decision {
	if transientTries+1 >= p.MaxTransientAttempts {
		return decision{action: actFail, err: failureError(f)}
	}
	return d
}

// failureError is the error a failed message shows in the inbox.
func failureError(f *SendFailure) *MessageError {
	return &MessageError{Code: f.Code, Title: f.Title, Details: f.Details, Reason: f.reason()}
}
