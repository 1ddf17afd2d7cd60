package actors

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Meta's WABA-wide (80007) and app-wide (4) rate limits hold every number of the tenant, not
// only the one whose send met the refusal: a message queued from the tenant's other number
// (the row of a number the tenant had before, or a second one) would meet the same refusal,
// and count against the limit again. Held whether that number's queue comes after the hold
// or already existed (it sent before the refusal).
func TestAWABARateLimitHoldsAllTheTenantsNumbers(t *testing.T) {
	r := sharedSender(t)
	for _, c := range []struct {
		code   int
		before bool // the other number's queue existed before the hold
	}{{80007, false}, {4, false}, {80007, true}, {4, true}} {
		code := c.code
		tenant := r.newTenant(t)
		id := func(name string) string { return "wh-" + name + "-" + tenant }
		if c.before {
			if _, err := r.queueTo(t, tenant, id("w"), "5511850000002", false); err != nil { // from the tenant's number
				t.Fatal(err)
			}
			waitFor(t, "the other number's first message sent", func() bool { return r.row(t, id("w")).State == persistence.OutboxSent })
		}
		release := make(chan struct{})
		r.graph.answer(id("x"), func(n int) (string, error) {
			if n > 1 {
				return "wamid.x", nil
			}
			<-release
			return "", &SendFailure{Class: ClassRetryTransient, Code: code, Title: "rate limit", Unavailable: true,
				Backoff: func(int) time.Duration { return time.Minute }}
		})
		r.record(t, tenant, id("x"), true) // from number "1"
		close(release)
		waitFor(t, "the rate limit met", func() bool { return r.row(t, id("x")).ErrorCode == code })
		if _, err := r.queueTo(t, tenant, id("y"), "5511850000001", false); err != nil { // from the tenant's number
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if n, _ := r.graph.sends(id("y")); n != 0 {
			t.Fatalf("%d (queue before the hold %v): a message from the tenant's other number reached Meta %d times during the hold", code, c.before, n)
		}
		if row := r.row(t, id("y")); row.State != persistence.OutboxQueued {
			t.Fatalf("%d (queue before the hold %v): held message %+v", code, c.before, row)
		}
	}
}
