package actors

import "time"

// OutboundPolicy shapes the sender: pacing, retries and reconciliation. Zero fields take
// the defaults noted (Meta's documented numbers where Meta has one).
type OutboundPolicy struct {
	// DefaultRate is a number's messages per second when its tenant sets none (80, Meta's
	// default); MaxRate caps a tenant's setting and is the rate of a number Meta upgraded
	// (1,000, Meta's upgraded tier).
	DefaultRate int
	MaxRate     int
	// PairInterval and PairBurst pace messages to one recipient as Meta counts them
	// (internal/pairlimit): one per PairInterval, bursts of up to PairBurst within one
	// PairInterval borrowed, each message owing one PairInterval (Meta: 6 s, 45).
	PairInterval time.Duration
	PairBurst    int
	// MaxTransientAttempts caps retries of Meta's "something went wrong" (131000, 1) and
	// of attempts Meta accepted and then failed; then the message fails (5). Sends that
	// never left, or that Meta refused while it could take none (SendFailure.Unavailable),
	// are not counted: they wait until the message's validity ends.
	MaxTransientAttempts int
	// ReconcileAfter is how long a message of unknown fate waits for a status webhook
	// carrying its id before the sender decides it never reached Meta and sends it again
	// (2 min; OUTBOUND.md explains the choice).
	ReconcileAfter time.Duration
	// PauseFor is how long a restriction (131048, 368, 131042, 131031, 131064) or an
	// unregistered number (133010, 131045) pauses a tenant's sends (1 h; Meta: "retry
	// hours later").
	PauseFor time.Duration
	// SendTimeout bounds one Graph send, store writes included (15 s).
	SendTimeout time.Duration
	// Lead is how far ahead of its pacing slot a message is claimed in the outbox, so the
	// store write does not delay the request past its slot (100 ms).
	Lead time.Duration
	// MaxInFlight bounds a tenant's concurrent sends (512).
	MaxInFlight int
	// MemoryQueue bounds how many queued messages a tenant holds in memory; the rest wait
	// in the outbox and are read as the queue drains (5,000).
	MemoryQueue int
	// QueueWindow bounds a tenant's backlog of unsettled messages to this long of sending
	// at its number's rate; sends beyond are refused (10 h, as Twilio bounds a sender's
	// queue; sender_backlog.go).
	QueueWindow time.Duration
	// Validity is how long after its acceptance a message may still go out: one still
	// queued later fails instead ("expired") rather than reach the customer hours late — a
	// one-time code, an appointment reminder (10 h, Twilio's ValidityPeriod default).
	Validity time.Duration
	// DirectoryRefresh is how old the tenant's directory entry (number, token, flags) may
	// get before it is read again (5 s).
	DirectoryRefresh time.Duration
	// RescanEvery is how often a tenant with nothing in memory looks for queued messages a
	// lost Submit left in the outbox (1 min).
	RescanEvery time.Duration
	// BusyRetry is how soon a write refused by a busy row or store trouble, or a resend
	// decision deferred, is tried again (2 s). A field so tests need not wait it out.
	BusyRetry time.Duration
}

func (p *OutboundPolicy) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	defInt(&p.DefaultRate, 80)
	defInt(&p.MaxRate, 1000)
	def(&p.PairInterval, 6*time.Second)
	defInt(&p.PairBurst, 45)
	defInt(&p.MaxTransientAttempts, 5)
	def(&p.ReconcileAfter, 2*time.Minute)
	def(&p.PauseFor, time.Hour)
	def(&p.SendTimeout, 15*time.Second)
	def(&p.Lead, 100*time.Millisecond)
	defInt(&p.MaxInFlight, 512)
	defInt(&p.MemoryQueue, 5000)
	def(&p.QueueWindow, 10*time.Hour)
	def(&p.Validity, 10*time.Hour)
	def(&p.DirectoryRefresh, 5*time.Second)
	def(&p.RescanEvery, time.Minute)
	def(&p.BusyRetry, 2*time.Second)
}

// rateOf is a tenant's pacing rate: its own setting, else the tier Meta put its number in
// (the default, or MaxRate once Meta announced the upgrade), capped. An explicit setting
// wins over the upgrade: an operator who chose a lower rate (a coexistence number is held at
// 20 by Meta) chose it on purpose.
func (p *OutboundPolicy) rateOf(messagesPerSecond int, highThroughput bool) int {
	r := messagesPerSecond
	switch {
	case r > 0:
	case highThroughput:
		r = p.MaxRate
	default:
		r = p.DefaultRate
	}
	return min(r, p.MaxRate)
}
