package actors

import (
	"fmt"
	"slices"
	"time"
)

// The WABA's standing as Meta reports it in account_update (WHATSAPP.md §1.7): a ban
// (DISABLED_UPDATE: DISABLE until REINSTATE) refuses every send; an ACCOUNT_RESTRICTION
// refuses only what its restriction_type names, until its expiration (one missing or
// unreadable: a day from Meta's event, unknownRestrictionFor):
//
//   - RESTRICTED_BIZ_INITIATED_MESSAGING: business-initiated messages — templates to
//     customers outside their 24-hour window — are refused; replies inside it still go.
//   - RESTRICTED_CUSTOMER_INITIATED_MESSAGING: replies to customers (anything sent inside
//     their window) are refused; business-initiated templates still go.
//   - RESTRICTED_ADD_PHONE_NUMBER_ACTION, and types Meta may add: no send is refused here.
//     Should Meta refuse sends anyway, its 368/131048 answers pause the tenant
//     (OUTBOUND_PAUSE_FOR), as for any restriction it reports on a send.
//
// A send is business-initiated when it is a template and the tenant's copy of the
// conversation does not vouch for an open window — the rule the messaging limit counts by
// (messaging_limit.go): a window the copy cannot vouch for is taken as closed.

// Account events and states the tenant acts on.
const (
	accountRestriction   = "ACCOUNT_RESTRICTION"
	accountDisabled      = "DISABLED_UPDATE"
	banDisable           = "DISABLE"
	banReinstate         = "REINSTATE"
	banScheduled         = "SCHEDULE_FOR_DISABLE"
	partnerAppUninstall  = "PARTNER_APP_UNINSTALLED"
	partnerRemoved       = "PARTNER_REMOVED"
	RestrictBizInitiated = "RESTRICTED_BIZ_INITIATED_MESSAGING"
	RestrictCustomerInit = "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"
	// RestrictPayment is the engine's own, not an account_update's: Meta refused a
	// business-initiated send for a payment problem (131042), so those stop for
	// OUTBOUND_PAUSE_FOR as RESTRICTED_BIZ_INITIATED_MESSAGING stops them (sender_heads.go).
	RestrictPayment = "PAYMENT_ISSUE"
)

// Restriction is one ACCOUNT_RESTRICTION in force: its type, until when, and Meta's time of
// the event that reported it. Assumed: Meta's expiration was missing or not in a form the
// engine reads, and Until is the engine's bound (unknownRestrictionFor).
type Restriction struct {
	Type    string    `json:"type"`
	Until   time.Time `json:"until,omitzero"`
	At      time.Time `json:"at,omitzero"`
	Assumed bool      `json:"untilAssumed,omitempty"`
}

// unknownRestrictionFor is how long a restriction whose expiration could not be read lasts
// from Meta's event. Meta states an expiration on every ACCOUNT_RESTRICTION and reports
// none ending (REINSTATE lifts a ban, DISABLE): an unbounded one refused its sends for ever.
// A day is the shortest of the messaging restrictions Meta's enforcement imposes, so a real
// one is not cut short by much; past it sends go to Meta again, and if the restriction still
// holds Meta's 368/131048 answers pause the tenant (OUTBOUND_PAUSE_FOR) and say so: the
// re-check costs one refused send per pause.
const unknownRestrictionFor = 24 * time.Hour

// bounded is r with an end: one Meta did not state lasts unknownRestrictionFor from its
// event, said Assumed. Its event's time is Meta's (or its arrival's, when Meta's is not
// plausible): a late retry of the event does not extend it.
func (r Restriction) bounded() Restriction {
	if r.Until.IsZero() && !r.At.IsZero() {
		r.Until, r.Assumed = r.At.Add(unknownRestrictionFor), true
	}
	return r
}

// activeAt reports whether the restriction is in force at now.
func (r Restriction) activeAt(now time.Time) bool { return r.Until.IsZero() || now.Before(r.Until) }

// refuses reports whether the restriction refuses a send of that kind.
func (r Restriction) refuses(businessInitiated bool) bool {
	switch r.Type {
	case RestrictBizInitiated, RestrictPayment:
		return businessInitiated
	case RestrictCustomerInit:
		return !businessInitiated
	}
	return false
}

// applyAccount records one account_update event.
func (t *TenantState) applyAccount(ev TenantEvent) {
	a := ev.Account
	switch a.Event {
	case partnerAppUninstall, partnerRemoved:
		// Only a new token (Embedded Signup) clears this: a later PARTNER_ADDED or
		// PARTNER_APP_INSTALLED does not bring the revoked token back. A removal no newer
		// than the last one applied (a duplicate, a replay, the WABA fan-out replaying it),
		// or older than the token adopted since, killed a token no longer held.
		if (!t.RemovedAt.IsZero() && !ev.Time.After(t.RemovedAt)) || ev.Time.Before(t.TokenAdoptedAt) {
			break
		}
		t.NeedsReauth, t.RemovedAt = true, ev.Time
	case accountRestriction:
		if ev.Time.Before(t.ReinstatedAt) {
			break // reported before a reinstatement that lifted it, and retried late
		}
		for _, r := range restrictionsOf(a) {
			t.restrict(Restriction{Type: r.Type, Until: r.Expires, At: ev.Time})
		}
	case accountDisabled:
		// Meta retries for days and keeps no order: the newest ban state stands, and a late
		// retry of an older REINSTATE lifts neither a newer ban nor a newer restriction.
		if !notOlder(ev.Time, t.BanStateAt) {
			break
		}
		t.BanStateAt, t.BanScheduledFor = ev.Time, time.Time{}
		switch a.Detail {
		case banReinstate:
			// A reinstated account is restricted no more by anything reported until then.
			t.Restricted, t.ReinstatedAt = false, ev.Time
			t.Restrictions = slices.DeleteFunc(t.Restrictions, func(r Restriction) bool { return !r.At.After(ev.Time) })
		case banScheduled:
			// A ban announced for waba_ban_date: the WABA may send until then. Without a
			// date the engine does not guess one; Meta's DISABLE, or its 368 answers to
			// sends (which pause the tenant), say when it took effect.
			t.Restricted, t.BanScheduledFor = false, a.BanDate
		default: // DISABLE, and a state Meta may add: refusing too much is the safe side
			t.Restricted = true
		}
	}
}

// liftPause ends a pause of the tenant's sends (SendsPausedUntil, after Meta's 368, 131048 …)
// that began no later than the newest REINSTATE: Meta lifted what it had restricted, and the
// tenant need not wait out the rest of pauseFor (OUTBOUND_PAUSE_FOR) meanwhile. Should the
// number still be held back, Meta's answer to the next send pauses it again, at the cost of
// one refused send, the message queued again. A pause that began after the REINSTATE (a
// late retry of the event) stands. It reports whether the pause ended.
func (t *TenantState) liftPause(pauseFor time.Duration) bool {
	if t.SendsPausedUntil.IsZero() || t.ReinstatedAt.IsZero() || t.pauseStart(pauseFor).After(t.ReinstatedAt) {
		return false
	}
	t.SendsPausedUntil, t.SendsPausedReason, t.SendsPausedAt = time.Time{}, "", time.Time{}
	return true
}

// pauseStart is when the pause in force began: as stored, or for a snapshot from before the
// start was kept, its end less pauseFor (wrong when OUTBOUND_PAUSE_FOR changed since).
func (t *TenantState) pauseStart(pauseFor time.Duration) time.Time {
	if !t.SendsPausedAt.IsZero() {
		return t.SendsPausedAt
	}
	return t.SendsPausedUntil.Add(-pauseFor)
}

// isRemoval reports whether an account event removed the app or the partner: the token is dead.
func isRemoval(event string) bool { return event == partnerAppUninstall || event == partnerRemoved }

// banned reports whether the WABA is disabled at now: Meta said so (DISABLE), or the date
// of a scheduled ban has come.
func (t *TenantState) banned(now time.Time) bool {
	return t.Restricted || (!t.BanScheduledFor.IsZero() && !now.Before(t.BanScheduledFor))
}

// restrictionsOf is an ACCOUNT_RESTRICTION's entries; an event recorded before they were
// kept names its first in Detail and Expires.
func restrictionsOf(a *AccountEvent) []AccountRestriction {
	if len(a.Restrictions) > 0 || a.Detail == "" {
		return a.Restrictions
	}
	return []AccountRestriction{{Type: a.Detail, Expires: a.Expires}}
}

// restrict records r, replacing an older restriction of its type (a late retry of an older
// one replaces nothing).
func (t *TenantState) restrict(r Restriction) {
	r = r.bounded()
	i := slices.IndexFunc(t.Restrictions, func(x Restriction) bool { return x.Type == r.Type })
	switch {
	case i < 0:
		t.Restrictions = append(t.Restrictions, r)
	case notOlder(r.At, t.Restrictions[i].At):
		t.Restrictions[i] = r
	}
}

// restrictionRefusing is the restriction in force at now that refuses a send of that kind,
// if any (the one lasting longest, when several do).
func (t *TenantState) restrictionRefusing(businessInitiated bool, now time.Time) (Restriction, bool) {
	var found Restriction
	ok := false
	for _, r := range t.Restrictions {
		if !r.activeAt(now) || !r.refuses(businessInitiated) {
			continue
		}
		if !ok || r.Until.IsZero() || (!found.Until.IsZero() && r.Until.After(found.Until)) {
			found, ok = r, true
		}
	}
	return found, ok
}

// activeRestrictions is the restrictions in force at now.
func (t *TenantState) activeRestrictions(now time.Time) []Restriction {
	var out []Restriction
	for _, r := range t.Restrictions {
		if r.activeAt(now) {
			out = append(out, r)
		}
	}
	return out
}

// refusal words why r refuses a send, for the caller (409 sending_paused).
func (r Restriction) refusal() string {
	until := "until Meta lifts it"
	switch {
	case r.Assumed:
		until = "until about " + r.Until.UTC().Format(time.RFC3339) + " (its expiration could not be read: taken as a day; sends go to Meta again then)"
	case !r.Until.IsZero():
		until = "until " + r.Until.UTC().Format(time.RFC3339)
	}
	what := "replies to customers inside their 24-hour window are refused; templates outside it still go"
	if r.Type == RestrictPayment {
		return fmt.Sprintf("Meta refused a business-initiated message for a problem with the account's payment method (131042); "+
			"templates to customers outside their 24-hour window are held until %s, when one is sent again to check; replies inside it still go",
			r.Until.UTC().Format(time.RFC3339))
	}
	if r.Type == RestrictBizInitiated {
		what = "business-initiated messages (templates to customers outside their 24-hour window) are refused; replies inside it still go"
	}
	return fmt.Sprintf("Meta restricted the WhatsApp Business Account (%s) %s: %s", r.Type, until, what)
}

// settleAccount reads a snapshot from before restrictions were kept by type, when any
// ACCOUNT_RESTRICTION set Restricted as a ban does: the remembered account events are
// applied again, in their order, so a restriction becomes one of its type and a ban stays a
// ban. With none remembered (they left Recent) Restricted stands: refusing too much is
// the safe side until Meta's next event.
//
// The replay sees only Recent, so it never lifts a ban the snapshot held unless the events
// kept prove it lifted (keptLifting): a DISABLE that left Recent (a newer snapshot's ban,
// at BanStateAt) stands, and a restart does not unban a disabled WABA.
func (t *TenantState) settleAccount() {
	defer func() {
		// The ban state's time, for a snapshot saved before it was kept: that of the newest
		// remembered DISABLED_UPDATE (none: the next one applies).
		if t.BanStateAt.IsZero() {
			ev, _ := t.newestOf(func(ev TenantEvent) bool { return ev.Account != nil && ev.Account.Event == accountDisabled })
			t.BanStateAt = ev.Time
		}
		// The newest removal's time, for a snapshot saved before it was kept: a repeat
		// delivery of a removal still remembered changes nothing.
		if t.RemovedAt.IsZero() {
			ev, _ := t.newestOf(func(ev TenantEvent) bool { return ev.Account != nil && isRemoval(ev.Account.Event) })
			t.RemovedAt = ev.Time
		}
	}()
	// A snapshot saved while a restriction without an expiration lasted until a REINSTATE.
	for i, r := range t.Restrictions {
		t.Restrictions[i] = r.bounded()
	}
	if !t.Restricted || len(t.Restrictions) > 0 {
		return
	}
	remembered := slices.ContainsFunc(t.Recent, func(ev TenantEvent) bool {
		return ev.Account != nil && (ev.Account.Event == accountRestriction || ev.Account.Event == accountDisabled)
	})
	if !remembered {
		return
	}
	knownBan := t.BanStateAt
	t.Restricted = false
	for _, ev := range t.Recent {
		if ev.Account != nil && (ev.Account.Event == accountRestriction || ev.Account.Event == accountDisabled) {
			t.applyAccount(ev)
		}
	}
	if !t.Restricted && !t.keptLifting(knownBan) {
		t.Restricted = true
	}
}

// keptLifting reports whether the remembered events, applied again to a snapshot banned as
// of knownBan, prove the ban lifted. A snapshot that knows its ban's time (a DISABLE since
// the ban state's time was kept) is lifted only by a REINSTATE newer than it. One from
// before (knownBan zero) set Restricted by arrival, on any ACCOUNT_RESTRICTION or
// DISABLED_UPDATE but REINSTATE: the replay accounts for it when Recent holds all the
// tenant's events (it is not full), or a REINSTATE — what set Restricted since arrived after
// it, and is remembered. Otherwise a DISABLE may have left Recent: the flag stands.
func (t *TenantState) keptLifting(knownBan time.Time) bool {
	if !knownBan.IsZero() {
		return t.ReinstatedAt.After(knownBan)
	}
	return len(t.Recent) < maxTenantEvents || !t.ReinstatedAt.IsZero()
}
