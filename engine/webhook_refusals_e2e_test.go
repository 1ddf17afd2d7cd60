package engine_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/transport/graph"
)

// Webhook POSTs whose signature is missing or wrong are limited per address
// (RATE_LIMIT_WEBHOOK_REFUSED): past the limit they are answered 429 before their body is
// hashed, so nobody can make the engine compute HMACs over 3 MiB bodies at line rate. Correctly
// signed traffic is never held back by it: an address that delivered a signed webhook within
// the window is not limited, and an address past the limit still has one request a second
// verified, so Meta's own (after a wrong WHATSAPP_APP_SECRET was fixed) gets through on a
// retry and frees its address. Other addresses are not affected. Addresses come from
// X-Forwarded-For behind one trusted proxy.
func TestRefusedWebhooksAreLimitedPerAddress(t *testing.T) {
	n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded,
		Env: map[string]string{"RATE_LIMIT_WEBHOOK_REFUSED": "3/1h", "TRUST_PROXY": "1"}})
	n.Seed()
	post := func(from string, body []byte, signed bool) enginetest.Response {
		t.Helper()
		sig := graph.SignatureValue("another-secret-another-secret-00", body)
		if signed {
			sig = graph.SignatureValue(appSecret, body)
		}
		return n.Do(enginetest.Request{Method: "POST", Path: "/api/v1/webhook", Body: body,
			Header: map[string]string{graph.SignatureHeader: sig, "X-Forwarded-For": from}})
	}
	const attacker, meta, other = "198.51.100.66", "203.0.113.9", "192.0.2.44"
	body := inboundText("5511900000555", "wamid.refusals.1", "oi", time.Now().Unix())

	for i := range 3 {
		if r := post(attacker, body, false); r.Status != 401 || r.Code() != "invalid_signature" {
			t.Fatalf("refused webhook %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	// Past the limit: 429 with Retry-After (a probe a second may still be verified and 401).
	limited := false
	for i := 0; i < 3 && !limited; i++ {
		r := post(attacker, body, false)
		switch {
		case r.Status == 429 && r.Code() == "rate_limited" && r.Header["Retry-After"] != "":
			limited = true
		case r.Status != 401:
			t.Fatalf("refused webhook past the limit: %d %s", r.Status, r.Body)
		}
	}
	if !limited {
		t.Fatal("three refused webhooks past the limit, none answered 429")
	}
	if r := post(other, body, false); r.Status != 401 {
		t.Fatalf("another address's refused webhook: %d %s", r.Status, r.Body)
	}

	// An address that delivers signed webhooks is never limited, even past the refusals.
	if r := post(meta, body, true); r.Status != 200 {
		t.Fatalf("signed webhook: %d %s", r.Status, r.Body)
	}
	for i := range 5 {
		if r := post(meta, body, false); r.Status != 401 {
			t.Fatalf("refused webhook %d from an address that delivered a signed one: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := post(meta, body, true); r.Status != 200 {
		t.Fatalf("signed webhook after refusals: %d %s", r.Status, r.Body)
	}

	// A signed webhook from the limited address gets through within a second or so (as
	// Meta's retries would), and the address is then not limited.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := post(attacker, body, true)
		if r.Status == 200 {
			break
		}
		if r.Status != 429 || time.Now().After(deadline) {
			t.Fatalf("signed webhook from a limited address: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := post(attacker, body, false); r.Status != 401 {
		t.Fatalf("refused webhook from an address that has since delivered a signed one: %d %s", r.Status, r.Body)
	}
}
