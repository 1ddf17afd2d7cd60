package actors

import (
	"strings"
	"testing"
	"time"
)

// The departure gate measures its window on the monotonic clock when the grains run on the
// real one: Deps.Now is the wall clock in UTC (for what is stored), which drops the
// monotonic reading, and a step of the wall clock forward (an NTP step, a VM resumed) would
// shorten the gate's wait by as much, letting more than rate sends into one of Meta's
// seconds. A test's own clock is used as given.
func TestDepartureGateClock(t *testing.T) {
	var real Deps
	real.defaults()
	if now := real.gateClock(); !strings.Contains(now.String(), " m=") {
		t.Fatalf("the gate's clock reads %v: no monotonic reading", now)
	}
	if now := real.Now(); now.Location() != time.UTC {
		t.Fatalf("Deps.Now reads %v, want UTC (what is stored)", now)
	}
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	faked := Deps{Now: func() time.Time { return at }}
	faked.defaults()
	if got := faked.gateClock(); !got.Equal(at) {
		t.Fatalf("with a test's clock the gate reads %v, want the test's %v", got, at)
	}
}
