package actors

import (
	"context"
	"testing"
	"time"
)

func TestDrainWaitsForAttemptsInFlight(t *testing.T) {
	var d Drain
	d.begin()
	if d.closing() {
		t.Fatal("closing before Close")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.Close(ctx); err == nil {
		t.Fatal("Close returned with an attempt in flight")
	}
	if !d.closing() {
		t.Fatal("no new attempts may start once closing")
	}
	d.end()
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var none *Drain // a node without draining
	none.begin()
	none.end()
	if none.closing() {
		t.Fatal("nil drain closing")
	}
}
