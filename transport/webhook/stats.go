package webhook

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats counts what the processor did; the bench reads them and /metrics exports them.
type Stats struct {
	Entries     atomic.Int64 // inbox entries fully processed
	Messages    atomic.Int64 // new inbound messages stored
	Duplicates  atomic.Int64 // deliveries of messages already stored
	Statuses    atomic.Int64 // statuses applied or held
	DeadLetters atomic.Int64
	Replayed    atomic.Int64 // entries dispatched from the store rather than live (replay, sweep)
	LiveTaken   atomic.Int64 // live-queued entries not dispatched again: replay or the sweep took them
	Retries     atomic.Int64 // grain calls retried
	Spilled     atomic.Int64 // dispatches refused by a full lane, left in the inbox for replay
	GivenUp     atomic.Int64 // grain calls kept as dead letters after failing too long
}

// Register exports the counters as Prometheus counters.
func (s *Stats) Register(reg prometheus.Registerer) {
	for name, help := range map[string]struct {
		help string
		v    *atomic.Int64
	}{
		"switchboard_webhook_entries_processed_total": {"Inbox entries fully processed.", &s.Entries},
		"switchboard_webhook_messages_total":          {"New inbound messages stored.", &s.Messages},
		"switchboard_webhook_duplicates_total":        {"Deliveries of messages already stored (Meta retries).", &s.Duplicates},
		"switchboard_webhook_statuses_total":          {"Delivery statuses applied or held.", &s.Statuses},
		"switchboard_webhook_dead_letters_total":      {"Events kept as dead letters (unroutable).", &s.DeadLetters},
		"switchboard_webhook_replayed_total":          {"Inbox entries dispatched from the store (restart, overflow or sweep).", &s.Replayed},
		"switchboard_webhook_live_taken_total":        {"Live-queued inbox entries dropped from the live queue because replay or the sweep dispatched them.", &s.LiveTaken},
		"switchboard_webhook_retries_total":           {"Grain calls retried.", &s.Retries},
		"switchboard_webhook_spilled_total":           {"Inbox entries a full lane refused, left in the inbox for replay.", &s.Spilled},
		"switchboard_webhook_given_up_total":          {"Grain calls kept as dead letters after failing too long while others succeeded.", &s.GivenUp},
	} {
		v := help.v
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help.help},
			func() float64 { return float64(v.Load()) }))
	}
}
