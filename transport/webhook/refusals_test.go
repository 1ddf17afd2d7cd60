package webhook

import (
	"strconv"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/ratelimit"
)

// The addresses remembered for delivering signed webhooks are bounded: past
// maxSignedAddresses a new one is remembered only once an old one's window has passed, and
// a remembered address is trusted for the rule's window only.
func TestRefusalsRememberBoundedSigners(t *testing.T) {
	rule := ratelimit.Rule{Name: "webhook_refused", Limit: 1, Window: time.Minute}
	r := NewRefusals(ratelimit.NewMemory(), rule, func(*fasthttp.RequestCtx) string { return "" })
	t0 := time.Now()
	for i := range maxSignedAddresses {
		r.delivered("ip:"+strconv.Itoa(i), t0)
	}
	r.delivered("ip:late", t0.Add(time.Second))
	if r.delivers("ip:late", t0.Add(time.Second)) || len(r.signed) != maxSignedAddresses {
		t.Fatalf("a new address remembered past the bound: %d remembered", len(r.signed))
	}
	if !r.delivers("ip:0", t0.Add(59*time.Second)) || r.delivers("ip:0", t0.Add(time.Minute)) {
		t.Fatal("a signer is trusted for the window, and only for it")
	}
	later := t0.Add(time.Minute)
	r.delivered("ip:late", later)
	if !r.delivers("ip:late", later) || len(r.signed) != 1 {
		t.Fatalf("once the old windows passed, the new address is remembered alone: %d remembered", len(r.signed))
	}
	if NewRefusals(nil, rule, nil) != nil || NewRefusals(ratelimit.NewMemory(), ratelimit.Rule{}, nil) != nil {
		t.Fatal("no limiter or no rule should limit nothing")
	}
}
