package actors

import (
	"slices"
	"time"
)

// TenantUpdate is tenant.updated's data: the engine's half of GET /tenants/:id/status (its
// "sending" state) at the change, with the code a send gets now. Meta's live half (quality,
// health_status) is not in it: it costs a Graph call, made only when a client asks.
type TenantUpdate struct {
	TenantID string `json:"tenantId"`
	// Refused is the error code a send gets now for what the tenant itself knows
	// (needs_reauth, sending_paused), "" when it sends.
	Refused string        `json:"refused,omitempty"`
	Sending SendingStatus `json:"sending"`
	At      time.Time     `json:"at"`
}

// standing is what a tenant.updated reports a change of: why sends are refused or limited.
type standing struct {
	needsReauth  bool
	banned       bool
	pausedUntil  time.Time
	pausedReason string
	banScheduled time.Time
	restrictions []Restriction
}

func (a standing) same(b standing) bool {
	return a.needsReauth == b.needsReauth && a.banned == b.banned && a.pausedUntil.Equal(b.pausedUntil) &&
		a.pausedReason == b.pausedReason && a.banScheduled.Equal(b.banScheduled) &&
		slices.EqualFunc(a.restrictions, b.restrictions, func(x, y Restriction) bool {
			return x.Type == y.Type && x.Until.Equal(y.Until) && x.Assumed == y.Assumed
		})
}

// reauthRecorded reports that the directory write flagging a token Meta rejected returned
// (OnTokenRejected): the re-authorisation it calls for is durable, and may be published.
type reauthRecorded struct{ sealed string }

func (*reauthRecorded) NotInfluenceReceiveTimeout() {}

// standingOf is the tenant's standing in its sending status (what GET /tenants/:id/status
// shows and tenant.updated carries: one account of it, so the two cannot drift), as far as
// it is durable: a token Meta rejected counts once the directory recorded it
// (reauthRecorded), the rest lives in the directory and the tenant's saved snapshot.
func (s *sender) standingOf(st *SendingStatus) standing {
	return standing{
		needsReauth: s.dir.NeedsReauth || s.state.NeedsReauth || (s.deadToken != "" && s.deadToken == s.sealed && s.reauthDone == s.sealed),
		banned:      st.Restricted, restrictions: st.Restrictions,
		pausedUntil: st.PausedUntil, pausedReason: st.PausedReason, banScheduled: st.BanScheduledFor,
	}
}

// nextChange is when st changes by time alone (a pause, a restriction or the wait for a
// scheduled ban ends); zero: never.
func (st standing) nextChange() time.Time {
	next := earliest(st.pausedUntil, st.banScheduled)
	for _, r := range st.restrictions {
		next = earliest(next, r.Until)
	}
	return next
}

// standingChanged notes a durable change of the standing, looked at in the next pump. One
// made before the activation's baseline is taken (a webhook that activated the tenant, saved
// before its directory entry was read) is in that baseline: it is published with it.
func (s *sender) standingChanged() {
	s.standingDirty = true
	if !s.standingKnown {
		s.standingEarly = true
	}
}

// noteStanding publishes tenant.updated when the tenant's standing changed since the last
// look. Cheap to call on every pump: it looks only after something that may change it
// (standingDirty) or once a time-bound part of it ends. The first look after the directory
// is read sets the baseline, silently unless a change came before it (standingChanged): an
// activation is not a change.
func (s *sender) noteStanding(now time.Time) {
	if !s.dirFound || (s.standingKnown && !s.standingDirty && (s.standingNext.IsZero() || now.Before(s.standingNext))) {
		return
	}
	s.standingDirty = false
	sending := s.sendingStatus(now)
	st := s.standingOf(sending)
	s.standingNext = st.nextChange()
	if s.standingKnown && st.same(s.standing) {
		return
	}
	known, early := s.standingKnown, s.standingEarly
	s.standing, s.standingKnown, s.standingEarly = st, true, false
	if !known && !early {
		return
	}
	u := TenantUpdate{TenantID: s.tenantID, Sending: *sending, At: now}
	switch {
	case st.needsReauth:
		u.Refused = FailureNeedsReauth
	case st.banned || !st.pausedUntil.IsZero():
		u.Refused = FailureSendingPaused
	}
	s.d.OnTenantUpdated(u)
}
