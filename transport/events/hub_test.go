package events

import (
	"sync"
	"testing"
)

func TestHubDeliversATenantsEventsInOrderAndOnlyToIt(t *testing.T) {
	h := NewHub()
	a, b := h.Subscribe("a", 8), h.Subscribe("b", 8)
	defer b.Close()
	h.Publish("a", "message.new", 1)
	h.Publish("b", "message.new", 2)
	h.Publish("a", "message.status", 3)
	first, second := <-a.C(), <-a.C()
	if first.Type != "message.new" || first.Data != 1 || second.Type != "message.status" || second.Data != 3 || second.Seq <= first.Seq {
		t.Fatalf("tenant a got %+v then %+v", first, second)
	}
	if got := <-b.C(); got.Data != 2 || got.TenantID != "b" {
		t.Fatalf("tenant b got %+v", got)
	}
	a.Close()
	if _, open := <-a.C(); open {
		t.Fatal("a closed subscription still delivers")
	}
	h.Publish("a", "message.new", 4) // nobody listens: no panic, nothing kept
}

// A reader that does not keep up loses events and says so; publishers never wait for it.
func TestHubMarksASlowReaderLaggedInsteadOfBlocking(t *testing.T) {
	h := NewHub()
	slow, fast := h.Subscribe("a", 2), h.Subscribe("a", 100)
	defer slow.Close()
	defer fast.Close()
	for i := range 10 {
		h.Publish("a", "message.status", i)
	}
	if !slow.Lagged() || fast.Lagged() || h.Dropped() != 8 || len(fast.C()) != 10 {
		t.Fatalf("slow lagged %v, fast lagged %v, dropped %d, fast holds %d", slow.Lagged(), fast.Lagged(), h.Dropped(), len(fast.C()))
	}
}

func TestHubIsSafeForConcurrentUse(t *testing.T) {
	h := NewHub()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s := h.Subscribe("a", 4)
			for j := range 100 {
				h.Publish("a", "x", i*j)
			}
			s.Close()
		})
	}
	wg.Wait()
}
