package actors

import (
	"testing"
	"time"
)

// A receipt is claimed only for an inbound message Meta has not accepted one for, and not
// while one for it is on its way; a refusal or a lapsed claim lets the next one go, and the
// typing indicator always goes. What Meta accepted survives a reload of the snapshot.
func TestReadReceiptClaims(t *testing.T) {
	c := newTestConversation()
	receipt := &ClaimReadReceipt{For: 15 * time.Second}
	claim := func(m *ClaimReadReceipt, now time.Time) string {
		t.Helper()
		got, ok := c.claimReadReceipt(m, now)
		if ok != (got.WAMID != "") {
			t.Fatalf("claim %+v, ok %v", got, ok)
		}
		return got.WAMID
	}
	sent := func(wamid string, at time.Time, accepted bool) {
		t.Helper()
		c.readReceiptSent(&ReadReceiptSent{Claim: ReadReceiptClaim{WAMID: wamid, At: at}, Accepted: accepted})
	}
	deliver := func(m Message) {
		t.Helper()
		if _, err := c.deliver(&Deliver{Messages: []Message{m}}, t0); err != nil {
			t.Fatal(err)
		}
	}

	if w := claim(receipt, t0); w != "" {
		t.Fatalf("no inbound message yet, claimed %q", w)
	}
	deliver(inbound("w1", t0))
	steps := []struct {
		name string
		do   func()
		m    *ClaimReadReceipt
		at   time.Duration
		want string
	}{
		{"the newest inbound message", nil, receipt, 0, "w1"},
		{"on its way", nil, receipt, time.Second, ""},
		{"typing goes whatever Meta has", nil, &ClaimReadReceipt{Typing: true, For: 5 * time.Second}, time.Second, "w1"},
		{"lapsed: its answer was lost", nil, receipt, time.Minute, "w1"},
		{"refused: tried again", func() { sent("w1", t0, false) }, receipt, time.Minute, "w1"},
		{"accepted: nothing new", func() { sent("w1", t0, true) }, receipt, time.Hour, ""},
		{"a newer message", func() { deliver(inbound("w3", t0.Add(2*time.Minute))) }, receipt, time.Hour, "w3"},
		{"an older one stored late is not newest", func() { sent("w3", t0.Add(2*time.Minute), true); deliver(inbound("w2", t0.Add(time.Minute))) }, receipt, time.Hour, ""},
		{"an older answer arriving late changes nothing", func() { sent("w1", t0, true) }, receipt, time.Hour, ""},
	}
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		if got := claim(s.m, t0.Add(s.at)); got != s.want {
			t.Fatalf("%s: claimed %q, want %q", s.name, got, s.want)
		}
	}

	data, err := marshal(c.s)
	if err != nil {
		t.Fatal(err)
	}
	var s conversationSnapshot
	if err := unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	c = newConversation(s, nil)
	if w := claim(receipt, t0.Add(time.Hour)); w != "" {
		t.Fatalf("after a reload: claimed %q, Meta accepted w3 already", w)
	}
}
