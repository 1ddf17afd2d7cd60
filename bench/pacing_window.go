package bench

import (
	"fmt"
	"time"
)

// The pacing scenario's check: Meta counts a number's requests as they arrive, and more than
// its rate in one second is a 130429 at the real Meta.

// windowOverrun is a number whose busiest second at Meta held more requests than its rate.
// transit is the slowest loopback transit during the run (transitProbe).
type windowOverrun struct {
	number     string
	sent, rate int
	transit    time.Duration
}

func (e *windowOverrun) Error() string {
	msg := fmt.Sprintf("bench: number %s sent %d requests in one second, above its %d; a write on loopback took up to %v to reach its reader",
		e.number, e.sent, e.rate, e.transit.Round(100*time.Microsecond))
	if e.oversubscribed() {
		return msg + fmt.Sprintf(", more than the %v the departure gate allows for: the machine was oversubscribed, and requests that left spaced could arrive together", gateAllowance)
	}
	return msg + fmt.Sprintf(", within the %v the departure gate allows for", gateAllowance)
}

// oversubscribed says the run's own measure shows the way to Meta delayed requests more than
// the departure gate allows for, so the count at Meta cannot tell the pacer's overrun from
// the machine's.
func (e *windowOverrun) oversubscribed() bool { return e.transit > gateAllowance }

// windowCheck fails (*windowOverrun) when number's busiest second at Meta held more than rate
// requests.
func windowCheck(number string, rate, busiest int, transit time.Duration) error {
	if busiest > rate {
		return &windowOverrun{number: number, sent: busiest, rate: rate, transit: transit}
	}
	return nil
}
