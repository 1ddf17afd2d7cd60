// Package pairlimit models Meta's pair rate limit — messages from one business number to
// one user — the one way fakemeta enforces it and the engine paces by it.
//
// Meta documents "1 message / 6 s to the same user; bursts up to 45 in 6 s allowed but
// borrowed (burst of 20 → ~2 min wait)" (WHATSAPP.md §3). A token bucket that starts full
// lets the burst go and then one message per interval, which Meta refuses (131056): the
// burst is a loan paid back at one interval per message. So every message adds one
// interval of debt (debt-until = max(debt-until, now) + interval), and a message may go
// when the debt is paid (now ≥ debt-until, which opens a burst window of one interval),
// or inside the open burst window while it holds fewer than burst messages.
package pairlimit

import "time"

// Debt is one (number, user) pair's borrowed time. The zero value owes nothing.
type Debt struct {
	until       time.Time // the debt is paid at this instant
	windowStart time.Time // the current burst window opened here
	inWindow    int       // messages taken in the current burst window
	// Margin is how much sooner or later after the one before it a message may reach Meta
	// than it left the sender: Meta counts arrivals, the sender its departures, and with
	// the model exact a few milliseconds of network jitter turn a message sent the instant
	// its debt is paid into a 131056. A sender keeps a margin (its debt is paid Margin
	// later, its burst window closes Margin sooner); Meta's own count (fakemeta) keeps none.
	Margin time.Duration
}

// ReadyAt is when the next message may go: now if it may go now.
func (d *Debt) ReadyAt(now time.Time, interval time.Duration, burst int) time.Time {
	if d.mayBurst(now, interval, burst) {
		return now
	}
	return d.until.Add(d.Margin)
}

func (d *Debt) mayBurst(now time.Time, interval time.Duration, burst int) bool {
	if d.Paid(now) {
		return true // paid: a new burst window opens with this message
	}
	return now.Add(d.Margin).Before(d.windowStart.Add(interval)) && d.inWindow < burst
}

// Take spends one message at now if it may go, adding its interval of debt.
func (d *Debt) Take(now time.Time, interval time.Duration, burst int) bool {
	if !d.mayBurst(now, interval, burst) {
		return false
	}
	if d.Paid(now) {
		d.windowStart, d.inWindow, d.until = now, 0, now
	}
	d.inWindow++
	d.until = d.until.Add(interval)
	return true
}

// GiveBack returns a message Take spent on one that never reached Meta: its interval of
// debt is forgiven.
func (d *Debt) GiveBack(interval time.Duration) {
	d.until = d.until.Add(-interval)
	if d.inWindow > 0 {
		d.inWindow--
	}
}

// CloseWindow ends the current burst window: until the debt is paid, no more messages
// (what the engine assumes once Meta refused one with 131056).
func (d *Debt) CloseWindow() { d.windowStart = time.Time{} }

// Paid reports whether nothing is owed at now (Margin included): the pair is back to its
// zero state and may be forgotten.
func (d *Debt) Paid(now time.Time) bool { return !now.Before(d.until.Add(d.Margin)) }
