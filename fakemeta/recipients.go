package fakemeta

import "time"

// profileKept is how long a user's profile name is kept after its last message, for the
// contacts of status webhooks to a BSUID (Meta's BSUID rules count contact over 30 days).
const profileKept = 30 * 24 * time.Hour

// profile is a user's name as its last inbound message gave it.
type profile struct {
	name string
	at   time.Time
}

// takePair applies the pair limit (pairBurst: a burst is borrowed, each message owing one
// interval) to a send to key arriving at now. n.mu is held.
func (n *number) takePair(key string, now time.Time, every time.Duration, burst int) bool {
	key = userKey(key)
	b, ok := n.pairs[key]
	if !ok {
		b = &pairBurst{}
		n.pairs[key] = b
	}
	return b.arrive(now, every, burst)
}

// sweep forgets, at most once a minute, what no longer matters per recipient: pairs whose
// debt is paid, windows past 24 hours (closed anyway) and profiles older than
// profileKept. The maps then hold recent recipients, not every one ever seen. n.mu is held.
func (n *number) sweep(now time.Time, every time.Duration) {
	if now.Sub(n.sweptAt) < time.Minute {
		return
	}
	n.sweptAt = now
	for k, b := range n.pairs {
		if b.settled(now, every) {
			delete(n.pairs, k)
		}
	}
	for k, at := range n.windows {
		if now.Sub(at) >= window {
			delete(n.windows, k)
		}
	}
	for k, p := range n.profiles {
		if now.Sub(p.at) >= profileKept {
			delete(n.profiles, k)
		}
	}
}
