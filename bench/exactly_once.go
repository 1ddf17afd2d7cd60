package bench

import (
	"fmt"

	"github.com/switchboard/switchboard/fakemeta"
)

// metaTally is what Meta accepted from a scenario's numbers, counted for the checks that
// every accepted send reached Meta exactly once. Each send carries our message id as its
// biz_opaque_callback_data; the same id twice is a message sent twice.
type metaTally struct {
	accepted, duplicates int
	// unmatched sends carried no id: nothing tells whether one of them is a message sent
	// twice, so they fail the checks rather than pass as distinct (or count as each other's
	// duplicates).
	unmatched int
}

// tallySent counts the sends in logs (fakemeta's, one per number).
func tallySent(logs ...[]fakemeta.SentMessage) metaTally {
	var t metaTally
	seen := map[string]bool{}
	for _, log := range logs {
		for _, m := range log {
			t.accepted++
			if m.BizOpaqueCallbackData == "" {
				t.unmatched++
				continue
			}
			if seen[m.BizOpaqueCallbackData] {
				t.duplicates++
			}
			seen[m.BizOpaqueCallbackData] = true
		}
	}
	return t
}

// atMostOnce fails when any message reached Meta twice.
func (t metaTally) atMostOnce() error {
	if t.unmatched > 0 {
		return fmt.Errorf("bench: %d sends reached Meta without our message id (biz_opaque_callback_data): a duplicate among them would go unseen", t.unmatched)
	}
	if t.duplicates > 0 {
		return fmt.Errorf("bench: %d messages sent to Meta twice", t.duplicates)
	}
	return nil
}

// exactlyOnce fails unless the want messages the engine accepted reached Meta once each.
func (t metaTally) exactlyOnce(want int) error {
	if err := t.atMostOnce(); err != nil {
		return err
	}
	if t.accepted != want {
		return fmt.Errorf("bench: Meta accepted %d sends for %d messages the engine accepted", t.accepted, want)
	}
	return nil
}
