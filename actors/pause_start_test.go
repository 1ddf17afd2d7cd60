package actors

import (
	"encoding/json"
	"testing"
	"time"
)

// A REINSTATE lifts a pause that began no later than it. The pause's start is stored with it
// (SendsPausedAt): derived as until − OUTBOUND_PAUSE_FOR, it moved when the setting changed
// between the pause and the REINSTATE (a restart with a longer pause took an older
// REINSTATE for a newer one and lifted a pause Meta's restriction still held). A snapshot
// from before the start was stored still derives it.
func TestAReinstatementLiftsOnlyAPauseThatBeganBeforeIt(t *testing.T) {
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		state      TenantState
		pauseFor   time.Duration
		reinstated time.Time
		lifted     bool
	}{
		{"stored start, setting lengthened since", TenantState{SendsPausedAt: start, SendsPausedUntil: start.Add(time.Hour)},
			2 * time.Hour, start.Add(-30 * time.Minute), false},
		{"stored start, reinstated after it", TenantState{SendsPausedAt: start, SendsPausedUntil: start.Add(time.Hour)},
			2 * time.Hour, start.Add(time.Minute), true},
		{"old snapshot: start derived", TenantState{SendsPausedUntil: start.Add(time.Hour)},
			time.Hour, start.Add(time.Minute), true},
		{"old snapshot: a later pause stands", TenantState{SendsPausedUntil: start.Add(time.Hour)},
			time.Hour, start.Add(-time.Minute), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := c.state
			st.SendsPausedReason, st.ReinstatedAt = "Spam rate limit hit", c.reinstated
			raw, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			var back TenantState
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			if got := back.liftPause(c.pauseFor); got != c.lifted || back.SendsPausedUntil.IsZero() != c.lifted {
				t.Fatalf("lifted %v (until %v), want %v", got, back.SendsPausedUntil, c.lifted)
			}
		})
	}
}
