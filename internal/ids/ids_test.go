package ids

import (
	"testing"
	"time"
)

func TestMonotonicAndValid(t *testing.T) {
	g := NewGenerator()
	prev := ""
	for range 100000 {
		id := g.New()
		if !Valid(id) {
			t.Fatalf("invalid id %q", id)
		}
		if id <= prev {
			t.Fatalf("not increasing: %q after %q", id, prev)
		}
		prev = id
	}
	for _, bad := range []string{"", "xyz", "0123456789abcdef0123456G", "0123456789ABCDEF01234567"} {
		if Valid(bad) {
			t.Errorf("Valid(%q)", bad)
		}
	}
}

// A key names one id within its scope, the same in every process; other scopes or keys,
// including ones whose concatenation is the same, name others.
func TestKeyed(t *testing.T) {
	base := Keyed("tenant-a", "order-17")
	if !Valid(base) {
		t.Fatalf("Keyed gave %q, not an id", base)
	}
	if again := Keyed("tenant-a", "order-17"); again != base {
		t.Fatalf("the same scope and key gave %q then %q", base, again)
	}
	for _, tc := range []struct{ scope, key string }{
		{"tenant-b", "order-17"},
		{"tenant-a", "order-18"},
		{"tenant-ao", "rder-17"},
		{"tenant-a", ""},
	} {
		if got := Keyed(tc.scope, tc.key); got == base {
			t.Errorf("Keyed(%q, %q) = %q, the id of tenant-a/order-17", tc.scope, tc.key, got)
		}
	}
}

// An engine-made id carries its creation time (to the millisecond), sorts at or after the
// floor of that time, and is told apart from a keyed id by that time.
func TestIDTimesAndFloors(t *testing.T) {
	g := NewGenerator()
	before := time.Now().Truncate(time.Millisecond)
	id := g.New()
	at, ok := TimeOf(id)
	if !ok || at.Before(before) || at.After(time.Now()) {
		t.Fatalf("TimeOf(%s) = %v, %v; made after %v", id, at, ok, before)
	}
	if !TimeOrdered(id, time.Now()) {
		t.Fatalf("%s not taken for an engine-made id", id)
	}
	if Floor(before) > id || Floor(time.Now().Add(time.Second)) <= id {
		t.Fatalf("%s outside its floors %s..%s", id, Floor(before), Floor(time.Now().Add(time.Second)))
	}
	if TimeOrdered(Keyed("tenant", "key"), time.Now()) {
		t.Fatal("a keyed id taken for an engine-made one")
	}
	if _, ok := TimeOf("not-an-id"); ok {
		t.Fatal("TimeOf of junk")
	}
}

// Made tells a generator's ids from another's (the webhook replay leaves a live peer's inbox
// entries to it).
func TestMadeKnowsItsOwnIDs(t *testing.T) {
	a, b := NewGenerator(), NewGenerator()
	for b.node == a.node {
		b = NewGenerator()
	}
	id := a.New()
	if !a.Made(id) || b.Made(id) || a.Made("not an id") {
		t.Fatalf("Made(%s): by a %v, by b %v; Made of junk %v", id, a.Made(id), b.Made(id), a.Made("not an id"))
	}
}
