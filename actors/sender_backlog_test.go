package actors

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// The backlog check: a count of the store's pending rows plus the sends accepted since that
// count began; sends accepted while a count ran stay on top of it (they may or may not be in
// it), so the check errs on refusing; before any count nothing is refused.
func TestBacklogBound(t *testing.T) {
	pol := OutboundPolicy{QueueWindow: 10 * time.Second}
	pol.defaults()
	for _, tc := range []struct {
		name      string
		steps     func(s *sender)
		wantFull  bool
		wantLimit int
	}{
		{"no count yet", func(s *sender) {
			for range 50 {
				s.acceptedOne()
			}
		}, false, 20},
		{"counted below", func(s *sender) { s.counted(19, s.countStarted()) }, false, 20},
		{"counted at the bound", func(s *sender) { s.counted(20, s.countStarted()) }, true, 20},
		{"accepted since the count", func(s *sender) {
			s.counted(15, s.countStarted())
			for range 5 {
				s.acceptedOne()
			}
		}, true, 20},
		{"accepted while the count ran stay on top", func(s *sender) {
			from := s.countStarted()
			for range 3 {
				s.acceptedOne()
			}
			s.counted(17, from)
		}, true, 20},
		{"a later count drops what settled", func(s *sender) {
			s.counted(20, s.countStarted())
			for range 4 {
				s.acceptedOne()
			}
			s.counted(5, s.countStarted())
		}, false, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sender{pol: &pol, state: &TenantState{}, dir: persistence.Tenant{MessagesPerSecond: 2}}
			tc.steps(s)
			if got := s.backlogLimit(); got != tc.wantLimit {
				t.Fatalf("limit %d, want %d", got, tc.wantLimit)
			}
			if why := s.backlogFull(); (why != "") != tc.wantFull {
				t.Fatalf("backlogFull = %q, want full %v", why, tc.wantFull)
			}
		})
	}
}
