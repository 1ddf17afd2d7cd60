package actors

import (
	"testing"
	"time"
)

func TestDecideFollowsMetasErrorTable(t *testing.T) {
	pol := OutboundPolicy{}
	pol.defaults()
	fixed := func(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }
	for _, tc := range []struct {
		name      string
		f         SendFailure
		transient int
		unreached int
		want      action
		wait      time.Duration
		throttle  bool
		pair      bool
	}{
		{"130429 throughput: the number slows, the message requeues", SendFailure{Class: ClassRetryThroughput, Code: 130429}, 0, 0, actRetry, 0, true, false},
		{"131056 pair: only the recipient waits", SendFailure{Class: ClassRetryPair, Code: 131056}, 0, 0, actRetry, 0, false, true},
		{"131000 first retry", SendFailure{Class: ClassRetryTransient, Code: 131000, Backoff: fixed(3 * time.Second)}, 0, 0, actRetry, 3 * time.Second, false, false},
		{"131016 without a suggestion: 1 s · 2^n", SendFailure{Class: ClassRetryTransient, Code: 131016}, 2, 0, actRetry, 4 * time.Second, false, false},
		{"131016 outage past the attempts: retried until the message expires", SendFailure{Class: ClassRetryTransient, Code: 131016, Unavailable: true}, 4, 2, actRetry, 4 * time.Second, false, false},
		{"app rate limit (4) past the attempts: Meta's wait", SendFailure{Class: ClassRetryTransient, Code: 4, Unavailable: true, Backoff: fixed(20 * time.Minute)}, 9, 6, actRetry, 20 * time.Minute, false, false},
		{"131000 attempts spent: fail", SendFailure{Class: ClassRetryTransient, Code: 131000, Title: "Something went wrong"}, 4, 0, actFail, 0, false, false},
		{"refused connection: safe to retry", SendFailure{Class: ClassRetryTransient}, 0, 0, actRetry, time.Second, false, false},
		{"timeout: maybe sent, reconcile", SendFailure{Class: ClassRetryTransient, MaybeSent: true}, 0, 0, actUnknown, 0, false, false},
		{"maybe sent beats any class", SendFailure{Class: ClassRetryThroughput, MaybeSent: true}, 0, 0, actUnknown, 0, false, false},
		{"Meta unreachable: retried, not counted against the attempts", SendFailure{Class: ClassRetryTransient, Unreached: true}, 4, 0, actRetry, time.Second, false, false},
		{"Meta unreachable for long: the wait is capped, the message still waits", SendFailure{Class: ClassRetryTransient, Unreached: true}, 0, 20, actRetry, 5 * time.Minute, false, false},
		{"131048 spam limit pauses the tenant", SendFailure{Class: ClassPauseTenant, Code: 131048}, 0, 0, actPause, 0, false, false},
		{"368 policy block pauses the tenant", SendFailure{Class: ClassPauseTenant, Code: 368}, 0, 0, actPause, 0, false, false},
		{"190 token: re-authorise", SendFailure{Class: ClassReauth, Code: 190}, 0, 0, actReauth, 0, false, false},
		{"131047 window: fail", SendFailure{Class: ClassFail, Code: 131047}, 0, 0, actFail, 0, false, false},
		{"131026 undeliverable: fail", SendFailure{Class: ClassFail, Code: 131026}, 0, 0, actFail, 0, false, false},
		{"100 bad parameter: fail", SendFailure{Class: ClassFail, Code: 100}, 0, 0, actFail, 0, false, false},
		{"132001 template: fail", SendFailure{Class: ClassFailTemplate, Code: 132001}, 0, 0, actFail, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			d := decide(&f, tc.transient, tc.unreached, &pol)
			if d.action != tc.want || d.wait != tc.wait || d.throttle != tc.throttle || d.pair != tc.pair {
				t.Fatalf("got %s wait %s throttle %v pair %v", d.action, d.wait, d.throttle, d.pair)
			}
			if d.action == actFail && (d.err == nil || d.err.Code != f.Code || d.err.Title != f.Title) {
				t.Fatalf("failed message error %+v", d.err)
			}
		})
	}
}

// A refusal for the app's access (0, 3, 10, 200–299, 131005) pauses the tenant, but may be
// about the one message: each such pause counts against the message's attempts, and past
// them it fails with Meta's code (the next message re-checks). A restriction of the account
// (131048, 368, 131042 …) counts nothing: it says nothing of the message.
func TestAccessPausesCountAgainstTheMessage(t *testing.T) {
	pol := OutboundPolicy{}
	pol.defaults()
	last := pol.MaxTransientAttempts - 1
	for _, tc := range []struct {
		name      string
		f         SendFailure
		transient int
		want      action
		counts    bool
	}{
		{"10 permission: a pause that counts", SendFailure{Class: ClassPauseTenant, Code: 10, AccessLost: true}, 0, actPause, true},
		{"200 permission, attempts left", SendFailure{Class: ClassPauseTenant, Code: 200, AccessLost: true}, last - 1, actPause, true},
		{"131005 access denied, attempts spent: fail", SendFailure{Class: ClassPauseTenant, Code: 131005, Title: "Access denied", AccessLost: true}, last, actFail, false},
		{"131048 spam limit spent nothing", SendFailure{Class: ClassPauseTenant, Code: 131048}, last, actPause, false},
		{"368 policy block spent nothing", SendFailure{Class: ClassPauseTenant, Code: 368}, last + 3, actPause, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			d := decide(&f, tc.transient, 0, &pol)
			if d.action != tc.want || d.transient != tc.counts {
				t.Fatalf("got %s counting %v, want %s counting %v", d.action, d.transient, tc.want, tc.counts)
			}
			if d.action == actFail && (d.err == nil || d.err.Code != f.Code || d.err.Title != f.Title) {
				t.Fatalf("failed message error %+v", d.err)
			}
		})
	}
}
