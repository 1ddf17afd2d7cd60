package actors

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

func restriction(at time.Time, kind string, expires time.Time) TenantEvent {
	return TenantEvent{Field: "account_update", Time: at, Account: &AccountEvent{Event: accountRestriction,
		Detail: kind, Expires: expires, Restrictions: []AccountRestriction{{Type: kind, Expires: expires}}}}
}

// restarted is s saved and read again, as the tenant grain does on activation.
func restarted(t *testing.T, s TenantState) TenantState {
	t.Helper()
	b, err := marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var after TenantState
	if err := unmarshal(b, &after); err != nil {
		t.Fatal(err)
	}
	after.settle()
	return after
}

// applied is a new tenant's state after events, in their order.
func applied(events ...TenantEvent) TenantState {
	s := newTenantState()
	for _, ev := range events {
		s.apply(ev)
	}
	return s
}

func scheduledBan(at, date time.Time) TenantEvent {
	return TenantEvent{Field: "account_update", Time: at, Account: &AccountEvent{Event: accountDisabled, Detail: banScheduled, BanDate: date}}
}

func banState(at time.Time, state string) TenantEvent {
	return TenantEvent{Field: "account_update", Time: at, Account: &AccountEvent{Event: accountDisabled, Detail: state}}
}

// An ACCOUNT_RESTRICTION refuses only what its restriction_type names, until its expiration
// or a reinstatement; a ban (DISABLED_UPDATE DISABLE) refuses everything. Before, any
// restriction set Restricted, which refused every send, and only REINSTATE lifted it: a
// RESTRICTED_BIZ_INITIATED_MESSAGING kept agents from answering customers, and an expired
// one refused sends for ever.
func TestRestrictionsRefuseOnlyWhatTheirTypeNames(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	later, earlier := now.Add(6*24*time.Hour), now.Add(-time.Hour)
	cases := []struct {
		name                    string
		events                  []TenantEvent
		wantBusiness, wantReply bool // refused
		wantBanned              bool
	}{
		{"business-initiated, in force", []TenantEvent{restriction(t0, RestrictBizInitiated, later)}, true, false, false},
		{"business-initiated, expired", []TenantEvent{restriction(t0, RestrictBizInitiated, earlier)}, false, false, false},
		// Meta states every restriction's expiration and reports none ending; one the engine
		// could not read lasts a day from Meta's event (unknownRestrictionFor), not for ever.
		{"business-initiated, expiration not read, over a day ago", []TenantEvent{restriction(t0, RestrictBizInitiated, time.Time{})}, false, false, false},
		{"business-initiated, expiration not read, within a day", []TenantEvent{restriction(now.Add(-23*time.Hour), RestrictBizInitiated, time.Time{})}, true, false, false},
		{"customer-initiated, in force", []TenantEvent{restriction(t0, RestrictCustomerInit, later)}, false, true, false},
		{"add phone number", []TenantEvent{restriction(t0, "RESTRICTED_ADD_PHONE_NUMBER_ACTION", later)}, false, false, false},
		{"a type Meta may add", []TenantEvent{restriction(t0, "RESTRICTED_SOMETHING_NEW", later)}, false, false, false},
		{"both kinds", []TenantEvent{restriction(t0, RestrictBizInitiated, later), restriction(t0, RestrictCustomerInit, later)}, true, true, false},
		{"reinstated", []TenantEvent{restriction(t0, RestrictBizInitiated, later), banState(t0.Add(time.Hour), banReinstate)}, false, false, false},
		{"banned", []TenantEvent{banState(t0, banDisable)}, false, false, true},
		{"banned, then reinstated", []TenantEvent{banState(t0, banDisable), banState(t0.Add(time.Hour), banReinstate)}, false, false, false},
		// SCHEDULE_FOR_DISABLE announces a ban on waba_ban_date: sends go on until then.
		{"ban scheduled for later", []TenantEvent{scheduledBan(t0, later)}, false, false, false},
		{"ban scheduled, its date come", []TenantEvent{scheduledBan(t0, earlier)}, false, false, true},
		{"ban scheduled without a date", []TenantEvent{scheduledBan(t0, time.Time{})}, false, false, false},
		{"ban scheduled, then reinstated", []TenantEvent{scheduledBan(t0, earlier), banState(t0.Add(time.Hour), banReinstate)}, false, false, false},
		{"ban scheduled, then disabled", []TenantEvent{scheduledBan(t0, later), banState(t0.Add(time.Hour), banDisable)}, false, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := applied(tc.events...)
			_, business := s.restrictionRefusing(true, now)
			_, reply := s.restrictionRefusing(false, now)
			if business != tc.wantBusiness || reply != tc.wantReply || s.banned(now) != tc.wantBanned {
				t.Fatalf("business-initiated refused %v, reply refused %v, banned %v; want %v, %v, %v (%+v)",
					business, reply, s.banned(now), tc.wantBusiness, tc.wantReply, tc.wantBanned, s.Restrictions)
			}
		})
	}
}

// Every restriction_info entry counts, not only the first.
func TestRestrictionEventWithSeveralTypes(t *testing.T) {
	s := newTenantState()
	s.apply(TenantEvent{Field: "account_update", Time: t0, Account: &AccountEvent{Event: accountRestriction, Detail: RestrictBizInitiated,
		Restrictions: []AccountRestriction{{Type: RestrictBizInitiated}, {Type: RestrictCustomerInit, Expires: t0.Add(time.Hour)}}}})
	if r, ok := s.restrictionRefusing(false, t0); !ok || r.Type != RestrictCustomerInit || !r.Until.Equal(t0.Add(time.Hour)) {
		t.Fatalf("the second entry does not count: %+v", s.Restrictions)
	}
}

// A snapshot saved when every ACCOUNT_RESTRICTION set Restricted reads as the restrictions
// it remembers (an event of then names its first entry in Detail and Expires); a ban stays
// a ban; a Restricted whose event is no longer remembered stands.
func TestOldSnapshotRestrictionsDecodeByType(t *testing.T) {
	expires := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	oldRestriction := fmt.Sprintf(`{"field":"account_update","time":%q,"account":{"event":"ACCOUNT_RESTRICTION","detail":"RESTRICTED_BIZ_INITIATED_MESSAGING","expires":%q}}`,
		t0.Format(time.RFC3339), expires.Format(time.RFC3339))
	oldBan := fmt.Sprintf(`{"field":"account_update","time":%q,"account":{"event":"DISABLED_UPDATE","detail":"DISABLE"}}`, t0.Add(time.Hour).Format(time.RFC3339))
	cases := []struct {
		name         string
		recent       string
		wantBanned   bool
		wantRestrict bool
	}{
		{"restriction", oldRestriction, false, true},
		{"restriction, then a ban", oldRestriction + "," + oldBan, true, true},
		{"nothing remembered", "", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s TenantState
			if err := unmarshal([]byte(`{"templates":{},"restricted":true,"recent":[`+tc.recent+`]}`), &s); err != nil {
				t.Fatal(err)
			}
			s.settle()
			_, restricts := s.restrictionRefusing(true, time.Now())
			if s.Restricted != tc.wantBanned || restricts != tc.wantRestrict {
				t.Fatalf("banned %v, restricted %v; want %v, %v (%+v)", s.Restricted, restricts, tc.wantBanned, tc.wantRestrict, s.Restrictions)
			}
			if restricts && !s.Restrictions[0].Until.Equal(expires) {
				t.Fatalf("expiration %v, want %v", s.Restrictions[0].Until, expires)
			}
		})
	}
}

// A restart never lifts a ban the snapshot held unless the events kept prove it lifted.
// Before, settleAccount cleared Restricted and re-applied only what Recent (100 events) still
// held: a DISABLE that had left Recent, while a late retry of an older account event was
// still remembered, was lost, and the restart unbanned a disabled WABA.
func TestRestartKeepsABanWhoseEventLeftRecent(t *testing.T) {
	templates := func(s *TenantState, n int) {
		for i := 0; i < n; i++ { // e.g. template updates while disabled
			s.apply(TenantEvent{Field: "message_template_status_update", Time: t0.Add(4 * time.Hour),
				Template: &TemplateUpdate{Name: "t", Language: "en_US", Status: "PAUSED"}})
		}
	}
	now := t0.Add(5 * time.Hour)

	t.Run("DISABLE left Recent, an older restriction remembered", func(t *testing.T) {
		s := applied(
			banState(t0.Add(2*time.Hour), banReinstate),
			banState(t0.Add(3*time.Hour), banDisable),
			restriction(t0.Add(time.Hour), RestrictBizInitiated, time.Time{}), // late retry, older than the REINSTATE: ignored
		)
		templates(&s, maxTenantEvents-1)
		if !s.Restricted {
			t.Fatal("not banned before the restart")
		}
		if after := restarted(t, s); !after.banned(now) || !after.BanStateAt.Equal(t0.Add(3*time.Hour)) {
			t.Fatalf("DISABLE'd WABA unbanned by a restart (restricted %v as of %v, restrictions %v)", after.Restricted, after.BanStateAt, after.Restrictions)
		}
	})

	// A snapshot from when every ACCOUNT_RESTRICTION set Restricted, its Recent full: a
	// DISABLE may have left it, so the flag stands beside the restriction by type; with a
	// REINSTATE remembered, what set the flag since is remembered, and the replay decides.
	oldSnapshot := func(events ...TenantEvent) TenantState {
		s := TenantState{Templates: map[string]TemplateState{}, Restricted: true, Recent: events}
		templates(&s, maxTenantEvents-len(events))
		s.Restricted = true
		return s
	}
	for _, tc := range []struct {
		name       string
		s          TenantState
		wantBanned bool
	}{
		{"old snapshot, full, a restriction remembered", oldSnapshot(restriction(t0, RestrictBizInitiated, time.Time{})), true},
		{"old snapshot, full, a REINSTATE then a restriction remembered",
			oldSnapshot(banState(t0, banReinstate), restriction(t0.Add(time.Hour), RestrictBizInitiated, time.Time{})), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := restarted(t, tc.s)
			_, restricts := after.restrictionRefusing(true, now)
			if after.banned(now) != tc.wantBanned || !restricts {
				t.Fatalf("banned %v, restricted %v; want %v, true (%+v)", after.banned(now), restricts, tc.wantBanned, after.Restrictions)
			}
		})
	}
}

// Through the tenant grain: under RESTRICTED_BIZ_INITIATED_MESSAGING a free-form reply is
// prepared, a template to a customer whose window the tenant cannot vouch for is refused
// (sending_paused, naming the restriction and its end), and in the outbox a queued template
// waits while a text to another customer goes.
func TestBusinessInitiatedRestrictionHoldsTemplatesOnly(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	expires := time.Now().Add(6 * 24 * time.Hour).UTC().Truncate(time.Second)
	ev := restriction(time.Now().Add(-time.Minute), RestrictBizInitiated, expires)
	if err := r.client.RecordTenantEvents(t.Context(), tenant, []TenantEvent{ev}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.PrepareSend(t.Context(), tenant, nil); err != nil {
		t.Fatalf("free-form reply refused: %v", err)
	}
	_, err := r.client.PrepareSend(t.Context(), tenant, &TemplateRef{Name: "promo", Language: "en_US"})
	var refused *SendRefusedError
	if !errors.As(err, &refused) || refused.Code != FailureSendingPaused ||
		!strings.Contains(refused.Reason, RestrictBizInitiated) || !strings.Contains(refused.Reason, expires.Format(time.RFC3339)) {
		t.Fatalf("template: %v", err)
	}

	const other = "5511820000001"
	tpl := outboxRow(tenant, "tpl-"+tenant)
	tpl.Request = fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+%s","type":"template","template":{"name":"promo","language":{"code":"en_US"}},"biz_opaque_callback_data":"%s"}`, customer, tpl.ID)
	text := outboxRow(tenant, "txt-"+tenant)
	text.Recipient, text.ConversationID = "+"+other, ConversationID(tenant, other)
	for _, row := range []persistence.OutboxMessage{tpl, text} {
		if err := r.store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{row}); err != nil {
			t.Fatal(err)
		}
		if err := r.client.SubmitOutbound(t.Context(), row); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the text sent", func() bool { return r.row(t, text.ID).State == persistence.OutboxSent })
	if st := r.row(t, tpl.ID).State; st != persistence.OutboxQueued {
		t.Fatalf("template %s under a business-initiated restriction", st)
	}
	st, err := r.client.SendingStatus(t.Context(), tenant)
	if err != nil || st.Restricted || len(st.Restrictions) != 1 || st.Restrictions[0].Type != RestrictBizInitiated {
		t.Fatalf("sending status %+v, %v", st, err)
	}
}

// Account events are applied by Meta's time (entry.time), per what they change: Meta retries
// for up to 7 days and keeps no order (WHATSAPP.md §1.3), so a retry arriving late must not
// move the state back. Before, they were applied in arrival order: a late retry of an older
// REINSTATE lifted a newer ban.
func TestLateAccountEventsDoNotMoveTheStateBack(t *testing.T) {
	t1, t2 := t0, t0.Add(time.Hour)
	now := t2.Add(time.Minute)
	soon, later := now.Add(time.Hour), now.Add(48*time.Hour)
	cases := []struct {
		name       string
		events     []TenantEvent
		wantBanned bool
		wantUntil  time.Time // of the business-initiated restriction in force; zero: none
	}{
		{"late older REINSTATE after a ban", []TenantEvent{banState(t2, banDisable), banState(t1, banReinstate)}, true, time.Time{}},
		{"late older ban after a REINSTATE", []TenantEvent{banState(t2, banReinstate), banState(t1, banDisable)}, false, time.Time{}},
		{"late older REINSTATE after a restriction", []TenantEvent{restriction(t2, RestrictBizInitiated, later), banState(t1, banReinstate)}, false, later},
		{"late older restriction after a REINSTATE", []TenantEvent{banState(t2, banReinstate), restriction(t1, RestrictBizInitiated, later)}, false, time.Time{}},
		{"late older restriction of the type", []TenantEvent{restriction(t2, RestrictBizInitiated, soon), restriction(t1, RestrictBizInitiated, later)}, false, soon},
		{"newer restriction of the type", []TenantEvent{restriction(t1, RestrictBizInitiated, later), restriction(t2, RestrictBizInitiated, soon)}, false, soon},
		{"same second: arrival order", []TenantEvent{banState(t1, banDisable), banState(t1, banReinstate)}, false, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := applied(tc.events...)
			r, restricted := s.restrictionRefusing(true, now)
			if s.Restricted != tc.wantBanned || restricted != !tc.wantUntil.IsZero() || !r.Until.Equal(tc.wantUntil) {
				t.Fatalf("banned %v, restriction %+v (%v); want banned %v, until %v", s.Restricted, r, restricted, tc.wantBanned, tc.wantUntil)
			}
		})
	}
}

// A snapshot saved before the ban state's time was kept takes it from the newest remembered
// DISABLED_UPDATE, so a late older REINSTATE is refused after a restart too.
func TestOldSnapshotBanKeepsItsTime(t *testing.T) {
	var s TenantState
	old := fmt.Sprintf(`{"templates":{},"restricted":true,"recent":[{"field":"account_update","time":%q,"account":{"event":"DISABLED_UPDATE","detail":"DISABLE"}}]}`,
		t0.Add(time.Hour).Format(time.RFC3339))
	if err := unmarshal([]byte(old), &s); err != nil {
		t.Fatal(err)
	}
	s.settle()
	s.apply(banState(t0, banReinstate))
	if !s.Restricted || !s.BanStateAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("banned %v as of %v after a late older REINSTATE", s.Restricted, s.BanStateAt)
	}
}

// The customer removing the app (PARTNER_APP_UNINSTALLED, PARTNER_REMOVED) kills the token
// the tenant holds; a new one — a new Embedded Signup — brings sends back, as for a token
// Meta rejected (190). Before, TenantState.NeedsReauth was never cleared, so sends stayed
// refused after the tenant reconnected. Re-saving the same token does not clear it.
func TestAppRemovalEndsWithANewToken(t *testing.T) {
	for _, tc := range []struct {
		event    string
		newToken bool
	}{
		{partnerAppUninstall, true},
		{partnerRemoved, true},
		{partnerAppUninstall, false},
	} {
		t.Run(fmt.Sprintf("%s, new token %v", tc.event, tc.newToken), func(t *testing.T) {
			r := sharedSender(t)
			tenant := r.newTenant(t)
			ev := TenantEvent{Field: "account_update", Time: time.Now(), Account: &AccountEvent{Event: tc.event}}
			if err := r.client.RecordTenantEvents(t.Context(), tenant, []TenantEvent{ev}); err != nil {
				t.Fatal(err)
			}
			var refused *SendRefusedError
			if _, err := r.client.PrepareSend(t.Context(), tenant, nil); !errors.As(err, &refused) || refused.Code != FailureNeedsReauth {
				t.Fatalf("after %s: %v", tc.event, err)
			}
			dir := r.store.Directory()
			tn, err := dir.TenantByID(t.Context(), tenant)
			if err != nil {
				t.Fatal(err)
			}
			if tc.newToken {
				tn.AccessToken = persistence.SealedSecret{KeyID: "k1", Nonce: []byte{2}, Ciphertext: []byte("sealed-" + tenant + "-2")}
			}
			tn.NeedsReauth, tn.UpdatedAt = false, time.Now().UTC()
			if err := dir.UpdateTenant(t.Context(), tn); err != nil {
				t.Fatal(err)
			}
			// A refusal resting on the directory re-reads it first: no wait for DirectoryRefresh.
			_, err = r.client.PrepareSend(t.Context(), tenant, nil)
			if tc.newToken && err != nil {
				t.Fatalf("still refused with a new token: %v", err)
			}
			if !tc.newToken && (!errors.As(err, &refused) || refused.Code != FailureNeedsReauth) {
				t.Fatalf("the same token re-saved: %v", err)
			}
		})
	}
}

// The customer removes the app, then reconnects (a new token). A repeat delivery of the same
// removal (a Meta duplicate, a replay, the WABA fan-out replaying it to every tenant) is no
// newer than the removal applied, and must not kill the new token.
func TestRepeatedAppRemovalDoesNotKillTheNewToken(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	ev := TenantEvent{Field: "account_update", Time: time.Now().Add(-time.Minute), Account: &AccountEvent{Event: partnerAppUninstall}}
	if err := r.client.RecordTenantEvents(t.Context(), tenant, []TenantEvent{ev}); err != nil {
		t.Fatal(err)
	}
	dir := r.store.Directory()
	tn, err := dir.TenantByID(t.Context(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	tn.AccessToken = persistence.SealedSecret{KeyID: "k1", Nonce: []byte{2}, Ciphertext: []byte("sealed-" + tenant + "-2")}
	tn.NeedsReauth, tn.UpdatedAt = false, time.Now().UTC()
	if err := dir.UpdateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.PrepareSend(t.Context(), tenant, nil); err != nil {
		t.Fatalf("refused with the new token: %v", err)
	}
	if err := r.client.RecordTenantEvents(t.Context(), tenant, []TenantEvent{ev}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.PrepareSend(t.Context(), tenant, nil); err != nil {
		t.Fatalf("a second delivery of the old removal refuses the new token: %v", err)
	}
}

// A removal applies by Meta's time: one no newer than the last applied, or older than the
// token adopted since, changes nothing; a newer one kills the token again. A snapshot saved
// before RemovedAt was kept takes it from the removals it remembers.
func TestAppRemovalByMetasTime(t *testing.T) {
	removal := func(at time.Time, event string) TenantEvent {
		return TenantEvent{Field: "account_update", Time: at, Account: &AccountEvent{Event: event}}
	}
	s := applied(removal(t0, partnerAppUninstall))
	if !s.NeedsReauth || !s.RemovedAt.Equal(t0) {
		t.Fatalf("removal not applied: %v %v", s.NeedsReauth, s.RemovedAt)
	}
	s.NeedsReauth, s.TokenAdoptedAt = false, t0.Add(time.Hour) // a new token
	for _, ev := range []TenantEvent{removal(t0, partnerAppUninstall), removal(t0, partnerRemoved),
		removal(t0.Add(-time.Minute), partnerRemoved), removal(t0.Add(30*time.Minute), partnerRemoved)} {
		if s.apply(ev); s.NeedsReauth {
			t.Fatalf("%s of %v killed the token adopted at %v", ev.Account.Event, ev.Time, s.TokenAdoptedAt)
		}
	}
	if s.apply(removal(t0.Add(2*time.Hour), partnerRemoved)); !s.NeedsReauth {
		t.Fatal("a removal after the new token was adopted did not kill it")
	}

	old := applied(removal(t0, partnerAppUninstall))
	old.NeedsReauth, old.RemovedAt = false, time.Time{} // cleared by a new token, before RemovedAt was kept
	after := restarted(t, old)
	if after.apply(removal(t0, partnerAppUninstall)); after.NeedsReauth {
		t.Fatal("an old snapshot's remembered removal, delivered again, killed the token")
	}
}

// sentThenRestricted sends message id and then fails it, as of at, with a restriction code
// that pauses the tenant (a failed status webhook).
func (r *senderRig) sentThenRestricted(t *testing.T, tenant, id string, at time.Time, code int) {
	t.Helper()
	r.record(t, tenant, id, true)
	waitFor(t, id+" sent", func() bool { return r.row(t, id).State == persistence.OutboxSent })
	_, err := r.client.Deliver(t.Context(), customer, &Deliver{TenantID: tenant, Contact: Contact{WaID: customer},
		Statuses: []StatusUpdate{{WAMID: r.row(t, id).WAMID, Status: StatusFailed, Timestamp: at, CallbackData: id, Placed: true,
			Error: &MessageError{Code: code, Title: "Restricted"}, PausesSends: true}}})
	if err != nil {
		t.Fatal(err)
	}
}

// A failed status with a restriction code (131048, 368, …) pauses the tenant for PauseFor
// from the status's own time: Meta retries webhooks for 7 days, and one delivered six days
// late pauses nothing (its pause ended long ago). Before, the pause ran from its arrival, so
// a stale status stopped a healthy tenant for an hour. The stale status comes first: had it
// paused from now, the pause would end later than the fresh one's.
func TestRestrictionStatusPausesFromItsOwnTime(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	fresh := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)
	for i, at := range []time.Time{time.Now().Add(-6 * 24 * time.Hour), fresh} {
		id := fmt.Sprintf("restricted-%d-%s", i, tenant)
		r.sentThenRestricted(t, tenant, id, at, 131048)
	}
	want := fresh.Add(time.Hour) // PauseFor's default
	var st *SendingStatus
	waitFor(t, "the pause", func() bool {
		var err error
		st, err = r.client.SendingStatus(t.Context(), tenant)
		return err == nil && !st.PausedUntil.IsZero()
	})
	if !st.PausedUntil.Equal(want) {
		t.Fatalf("paused until %v, want %v (the fresh status's time + PauseFor)", st.PausedUntil, want)
	}
}

// A restriction whose expiration Meta did not state, or stated in a form the engine does not
// read, lasted until a REINSTATE, which Meta sends only to lift a ban: the tenant's replies
// (or templates) were refused for ever. It now lasts unknownRestrictionFor from Meta's
// event, says so (Assumed, and the refusal's words), and then sends go to Meta again, whose
// 368/131048 answers pause the tenant if the restriction still holds. A snapshot saved with
// such a restriction is bounded when read.
func TestRestrictionWithoutAReadableExpirationIsBounded(t *testing.T) {
	s := applied(restriction(t0, RestrictCustomerInit, time.Time{}))
	r, ok := s.restrictionRefusing(false, t0.Add(time.Hour))
	if !ok || !r.Assumed || !r.Until.Equal(t0.Add(unknownRestrictionFor)) {
		t.Fatalf("an hour after: %+v refusing %v, want refused until %s, assumed", r, ok, t0.Add(unknownRestrictionFor))
	}
	if !strings.Contains(r.refusal(), "could not be read") {
		t.Errorf("refusal does not say the end is assumed: %s", r.refusal())
	}
	if _, ok := s.restrictionRefusing(false, t0.Add(unknownRestrictionFor)); ok {
		t.Fatal("refused past the assumed end")
	}
	// A newer event of the type with its expiration read replaces the assumption.
	s.apply(restriction(t0.Add(time.Hour), RestrictCustomerInit, t0.Add(72*time.Hour)))
	if r, ok := s.restrictionRefusing(false, t0.Add(48*time.Hour)); !ok || r.Assumed {
		t.Fatalf("the stated expiration did not replace the assumed one: %+v %v", r, ok)
	}

	var old TenantState
	snapshot := fmt.Sprintf(`{"templates":{},"restrictions":[{"type":%q,"at":%q}]}`, RestrictBizInitiated, t0.Format(time.RFC3339))
	if err := unmarshal([]byte(snapshot), &old); err != nil {
		t.Fatal(err)
	}
	old.settle()
	if _, ok := old.restrictionRefusing(true, t0.Add(unknownRestrictionFor+time.Second)); ok {
		t.Fatalf("a snapshot's unbounded restriction still refuses: %+v", old.Restrictions)
	}
}

// A REINSTATE is Meta saying the WABA may send again: a pause that began before it (Meta's
// 368/131048 on a send or a status) ends with it, instead of the tenant waiting out
// OUTBOUND_PAUSE_FOR while its customers wait. Should the number still be held back, Meta's
// next answer pauses it again, at the cost of one refused send. A REINSTATE older than the
// pause (a late retry) lifts nothing.
func TestReinstatementLiftsAPauseThatBeganBeforeIt(t *testing.T) {
	r := sharedSender(t)
	tenant := r.newTenant(t)
	paused := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)
	id := "reinstated-" + tenant
	r.sentThenRestricted(t, tenant, id, paused, 368)
	pausedUntil := func() time.Time {
		st, err := r.client.SendingStatus(t.Context(), tenant)
		if err != nil {
			t.Fatal(err)
		}
		return st.PausedUntil
	}
	waitFor(t, "the pause", func() bool { return !pausedUntil().IsZero() })
	// A late retry of a REINSTATE from before the pause began.
	if err := r.client.RecordTenantEvents(t.Context(), tenant, []TenantEvent{banState(paused.Add(-time.Minute), banReinstate)}); err != nil {
		t.Fatal(err)
	}
	if pausedUntil().IsZero() {
		t.Fatal("a REINSTATE older than the pause lifted it")
	}
	next := "after-reinstate-" + tenant
	r.record(t, tenant, next, true)
	if err := r.client.RecordTenantEvents(t.Context(), tenant, []TenantEvent{banState(paused.Add(time.Minute), banReinstate)}); err != nil {
		t.Fatal(err)
	}
	if until := pausedUntil(); !until.IsZero() {
		t.Fatalf("still paused until %v after Meta reinstated the account", until)
	}
	waitFor(t, "the held message sent", func() bool { return r.row(t, next).State == persistence.OutboxSent })
}
