package actors

import (
	"errors"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// receive handles the sender's local messages; false for anything else.
func (s *sender) receive(msg any) bool {
	switch m := msg.(type) {
	case *senderWake:
		s.wakeAt = time.Time{}
	case *attemptDone:
		s.attempted(m)
	case *notQueued:
		s.initiatedEnded(m.id, m.conv, false)
	case *settled:
		s.settledOutcome(m)
	case *resettle:
		if it := s.items[m.id]; it != nil && it.pending != nil {
			s.runSettle(it)
		}
	case *evidenceChecked:
		s.checked(m)
	case *resendCheck:
		s.resendChecked(m)
	case *resendDecided:
		s.resendDone(m)
	case *retryableListed:
		s.retryableFound(m)
	case *dirLoaded:
		s.dirBusy, s.dirAt = false, m.readAt
		switch {
		case m.err == nil:
			s.applyDirectory(m.t)
			s.standingDirty = true // a new token, or the directory's re-authorisation flag
		case errors.Is(m.err, persistence.ErrNotFound):
			s.dirFound = false
		default:
			s.d.Log.Warn("tenant directory refresh failed", "tenant", s.tenantID, "err", m.err)
		}
		s.answerPrepares()
	case *reauthRecorded:
		s.reauthDone = m.sealed
		s.standingChanged()
	case *outboxLoaded:
		s.scanning = false
		if m.counted {
			s.counted(m.pending, m.countFrom)
		}
		if m.err != nil {
			s.d.Log.Warn("outbox rescan failed", "tenant", s.tenantID, "err", m.err)
			break
		}
		s.moreInStore = m.full
		now := s.d.Now()
		for _, r := range m.rows {
			s.track(r, now)
		}
	default:
		return false
	}
	s.pump()
	return true
}

// The sender's local messages are its own bookkeeping, not activity: they must not keep
// an idle tenant from passivating (the grain checks idle() when the timeout fires).
func (*senderWake) NotInfluenceReceiveTimeout()      {}
func (*attemptDone) NotInfluenceReceiveTimeout()     {}
func (*settled) NotInfluenceReceiveTimeout()         {}
func (*resettle) NotInfluenceReceiveTimeout()        {}
func (*evidenceChecked) NotInfluenceReceiveTimeout() {}
func (*dirLoaded) NotInfluenceReceiveTimeout()       {}
func (*outboxLoaded) NotInfluenceReceiveTimeout()    {}
