package edge_test

import (
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/switchboard/switchboard/transport/edge"
)

const mib = 1 << 20

// spentBudget serves a server whose body memory (2 MiB) two stalled connections spend, and
// leaves behind a refusal whose error handler never runs: a chunked request refused from its
// headers whose client goes away before its first chunk (fasthttp reads io.EOF and answers
// nothing). It returns the server's address and bound, and the stalled connections.
func spentBudget(t *testing.T) (string, *edge.BodyMemory, []net.Conn) {
	t.Helper()
	srv := &fasthttp.Server{Handler: ok, MaxRequestBodySize: 2 * mib, ReadTimeout: 10 * time.Second}
	edge.ConfigureServer(srv, discard())
	mem := edge.LimitBodyMemory(srv, 2*mib)
	addr := serve(t, srv)
	var stalled []net.Conn
	for i := range 2 {
		stalled = append(stalled, declare(t, addr, mib))
		waitFor(t, func() bool { return mem.InFlight() == int64(i+1)*mib }, "1 MiB more held")
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return mem.Refusals() == 1 }, "the chunked request refused")
	_ = c.Close()
	return addr, mem, stalled
}

// A refusal whose error handler never ran stayed counted among the bound's entries until
// its request object was reused, which may be never: every request of every connection then
// took the bound's lock. Once nothing is held, small requests take no lock again.
func TestBodyMemoryUnansweredRefusalLeavesTheFastPathOn(t *testing.T) {
	_, mem, stalled := spentBudget(t)
	for _, c := range stalled {
		_ = c.Close()
	}
	waitFor(t, func() bool { return mem.InFlight() == 0 }, "the stalled connections' room given back")
	waitFor(t, mem.FastPath, "small requests taking no lock once nothing is held")
}

// Refusals whose error handler never ran were never swept: only holds were. They go once
// they are as old as a stale hold, at the next request that takes the lock.
func TestBodyMemoryUnansweredRefusalIsSwept(t *testing.T) {
	addr, mem, _ := spentBudget(t)
	if mem.Marks() != 1 {
		t.Fatalf("%d refusals waiting for their error handler, want the unanswered one", mem.Marks())
	}
	later := time.Now().Add(time.Hour)
	mem.SetClock(func() time.Time { return later })
	if resp := call(t, addr, request{method: "POST", path: "/x", body: make([]byte, 8<<10)}); resp.StatusCode() != 200 {
		t.Fatalf("a request after the stale holds: %d %s", resp.StatusCode(), resp.Body())
	}
	if n := mem.Marks(); n != 0 {
		t.Fatalf("%d unanswered refusals kept an hour later", n)
	}
}

// Every refusal went through every hold looking for stale ones: with the budget spent by
// many bodies, a flood of refusals cost holds × refusals under the lock every connection
// takes. Holds and refusals are listed oldest first, so the sweep looks at the front of each
// list only and stops at the first that is not stale: O(1) per request. A clock the test sets
// back dates a slot younger than the one after it, which only a sweep past the front drops.
func TestBodyMemorySweepStopsAtTheFirstFreshSlot(t *testing.T) {
	const body = 8 << 10 // what a 5,000-byte body holds
	mem := limited(t, 2*body)
	base := time.Now()
	clock := base
	mem.SetClock(func() time.Time { return clock })
	admitSized := func(at time.Duration, n int) bool {
		clock = base.Add(at)
		return mem.Admit(&fasthttp.RequestHeader{}, n, mib)
	}
	admit := func(at time.Duration) bool { return admitSized(at, 5000) }
	// Front: a hold and a refusal (of a body twice the room left) dated two hours on;
	// behind them, one of each dated now.
	if !admit(2*time.Hour) || admitSized(2*time.Hour, 2*body) {
		t.Fatal("the front hold and refusal")
	}
	if !admit(0) || admit(0) {
		t.Fatal("the hold and refusal behind them")
	}
	// An hour on, the slots behind the front are stale, the front ones not: the sweep
	// stops at once, and the next body is refused for want of room.
	if admit(time.Hour) {
		t.Fatal("a stale hold behind a fresh one was swept: the sweep went past the front")
	}
	if n, m := mem.InFlight(), mem.Marks(); n != 2*body || m != 3 {
		t.Fatalf("%d bytes held and %d refusals kept, want both holds and all three refusals", n, m)
	}
	// Three hours on, every slot is stale: the sweep goes on as long as it drops.
	if !admit(3 * time.Hour) {
		t.Fatal("a body refused although every hold was stale")
	}
	if n, m := mem.InFlight(), mem.Marks(); n != body || m != 0 {
		t.Fatalf("%d bytes held and %d refusals kept, want only the new body's", n, m)
	}
}

// Refusals waiting for their error handler are bounded in number, however many are never
// answered.
func TestBodyMemoryRefusalMarksAreBounded(t *testing.T) {
	mem := limited(t, 8<<10)
	if !mem.Admit(&fasthttp.RequestHeader{}, 5000, mib) {
		t.Fatal("a body within the budget refused")
	}
	for range 4 * edge.MaxRefusalMarks {
		mem.Admit(&fasthttp.RequestHeader{}, 5000, mib)
	}
	if n := mem.Marks(); n > edge.MaxRefusalMarks {
		t.Fatalf("%d refusals kept, bound %d", n, edge.MaxRefusalMarks)
	}
}

// limited is a bound of max bytes on a server that is not served.
func limited(t *testing.T, max int64) *edge.BodyMemory {
	t.Helper()
	srv := &fasthttp.Server{Handler: ok, MaxRequestBodySize: 2 * mib}
	edge.ConfigureServer(srv, discard())
	return edge.LimitBodyMemory(srv, max)
}

// A refusal left unanswered is not taken for a later request of the same connection object
// that fasthttp finds too large for its route: that one is a 413, not a 503.
func TestBodyMemoryUnansweredRefusalIsNotTakenForLaterRequests(t *testing.T) {
	mem := limited(t, 8<<10)
	holder, h := &fasthttp.RequestHeader{}, &fasthttp.RequestHeader{}
	if !mem.Admit(holder, 5000, mib) {
		t.Fatal("a body within the budget refused")
	}
	if mem.Admit(h, -1, mib) {
		t.Fatal("a chunked body past the budget admitted")
	}
	// h's request is never answered; the held body is.
	mem.Release(holder)
	// h's connection object serves a small body over a small route's limit (413).
	if !mem.Admit(h, 2000, 1000) {
		t.Fatal("a body over its route's limit refused for want of memory")
	}
	if mem.ErrorEnd(h) {
		t.Fatal("a body too large for its route taken for an earlier refusal")
	}
	// A small body within its limit, once nothing is held, takes no lock and ends well.
	if !mem.Admit(h, 100, 1000) || mem.ErrorEnd(h) || !mem.FastPath() {
		t.Fatal("a small body after the refusal")
	}
}
