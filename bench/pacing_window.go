package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/fakemeta"
)

// The pacing scenario's check: Meta counts a number's requests as they arrive, and more than
// its rate in one second is a 130429 at the real Meta.

// windowOverrun is a number whose busiest second at Meta held more requests than its rate.
// transit is the slowest loopback transit during the run (transitProbe); window the busiest
// second's requests as fakemeta saw them, with the departures the engine stamped on them.
type windowOverrun struct {
	number     string
	sent, rate int
	transit    time.Duration
	window     []fakemeta.Arrival
	left       []time.Time // the window's stamped departures, in order
}

func (e *windowOverrun) Error() string {
	msg := fmt.Sprintf("bench: number %s sent %d requests in one second, above its %d; a write on loopback took up to %v to reach its reader",
		e.number, e.sent, e.rate, e.transit.Round(100*time.Microsecond))
	if e.transit > gateAllowance {
		msg += fmt.Sprintf(", more than the %v the departure gate allows for: the machine was oversubscribed, and requests that left spaced could arrive together", gateAllowance)
	} else {
		msg += fmt.Sprintf(", within the %v the departure gate allows for", gateAllowance)
	}
	return msg + "; " + e.departures()
}

// oversubscribed says the requests did not arrive as they left: the run's own measure shows
// the way to Meta delayed requests more than the departure gate allows for, or the window's
// requests left the gate spaced as it requires and bunched on their way. Either way the count
// at Meta cannot tell the pacer's overrun from the machine's.
func (e *windowOverrun) oversubscribed() bool { return e.transit > gateAllowance || e.gateHeld() }

// gateHeld says every request of the window carries its departure and any two rate apart left
// at least actors.DepartureWindow apart, as the gate lets them: whatever bunched them happened on the way.
func (e *windowOverrun) gateHeld() bool {
	left := e.left
	if len(left) < len(e.window) || len(left) <= e.rate {
		return false
	}
	for i := e.rate; i < len(left); i++ {
		if left[i].Sub(left[i-e.rate]) < actors.DepartureWindow {
			return false
		}
	}
	return true
}

// departed is the stamped departures of window, in order.
func departed(window []fakemeta.Arrival) []time.Time {
	var left []time.Time
	for _, a := range window {
		if !a.Departed.IsZero() {
			left = append(left, a.Departed)
		}
	}
	slices.SortFunc(left, func(a, b time.Time) int { return a.Compare(b) })
	return left
}

// departures describes the window's first and last requests: when they left the gate and how
// long each took to arrive, the pair that shows where the second filled up.
func (e *windowOverrun) departures() string {
	if len(e.window) == 0 {
		return "fakemeta kept none of the second's requests"
	}
	first, last := e.window[0], e.window[len(e.window)-1]
	if len(e.left) < len(e.window) {
		return fmt.Sprintf("%d of the second's %d requests carry no departure: they left without passing the departure gate (first %s, last %s)",
			len(e.window)-len(e.left), len(e.window), describe(first), describe(last))
	}
	how := fmt.Sprintf("the gate let them leave %v apart, less than its %v", last.Departed.Sub(first.Departed).Round(100*time.Microsecond), actors.DepartureWindow)
	if e.gateHeld() {
		how = fmt.Sprintf("they left the gate %v apart, as it requires, and bunched on their way", last.Departed.Sub(first.Departed).Round(100*time.Microsecond))
	}
	return fmt.Sprintf("its first request %s, its last %s: %s", describe(first), describe(last), how)
}

func describe(a fakemeta.Arrival) string {
	if a.Departed.IsZero() {
		return fmt.Sprintf("(message %s) arrived at %s unstamped", a.Message, a.At.Format("15:04:05.000000"))
	}
	conn := ""
	if a.OnConn == 1 {
		// A dial and an accept the requests on open connections do not wait for.
		conn = " (on a connection it opened)"
	}
	return fmt.Sprintf("(message %s) left at %s and arrived %v later%s", a.Message, a.Departed.Format("15:04:05.000000"),
		a.Transit().Round(100*time.Microsecond), conn)
}

// windowCheck fails (*windowOverrun) when number's busiest second at Meta held more than rate
// requests; window is that second's requests. It also fails when one of them carries no
// departure, at any count: every send the engine makes leaves through the departure gate,
// which stamps it, so an unstamped request took a way around the pacing.
func windowCheck(number string, rate int, busiest []fakemeta.Arrival, transit time.Duration) error {
	e := &windowOverrun{number: number, sent: len(busiest), rate: rate, transit: transit, window: busiest, left: departed(busiest)}
	switch {
	case len(busiest) > rate:
		return e
	case len(e.left) < len(busiest):
		return fmt.Errorf("bench: number %s: %s", number, e.departures())
	}
	return nil
}

// slowestTransit is the longest any of sent took from the departure gate to Meta: the way's
// delay measured on the requests themselves, which the loopback probe only samples.
func slowestTransit(sent []fakemeta.SentMessage) time.Duration {
	var worst time.Duration
	for _, m := range sent {
		if !m.Departed.IsZero() {
			worst = max(worst, m.At.Sub(m.Departed))
		}
	}
	return worst
}

// tightest is the shortest span at Meta over rate+1 consecutive accepted sends (sent is
// ordered by arrival): above 1 s, how much room Meta's count had left. left is the span of
// their departures from the gate, earliest to latest (0 when one carries no departure): the
// gate keeps any rate+1 departures at least actors.DepartureWindow apart, so arrived − left
// is how much the way bunched them. Not the first and last arrival's departures: requests
// reordered on the way would read as leaving closer than the gate lets them. ok is false for
// fewer than rate+1 sends.
func tightest(sent []fakemeta.SentMessage, rate int) (arrived, left time.Duration, ok bool) {
	for i := rate; i < len(sent); i++ {
		if span := sent[i].At.Sub(sent[i-rate].At); !ok || span < arrived {
			arrived, left, ok = span, departureSpan(sent[i-rate:i+1]), true
		}
	}
	return arrived, left, ok
}

// departureSpan is how far apart the earliest and latest of sends left the gate; 0 when one
// of them carries no departure.
func departureSpan(sends []fakemeta.SentMessage) time.Duration {
	var first, last time.Time
	for _, m := range sends {
		switch {
		case m.Departed.IsZero():
			return 0
		case first.IsZero() || m.Departed.Before(first):
			first = m.Departed
		}
		if m.Departed.After(last) {
			last = m.Departed
		}
	}
	return last.Sub(first)
}
