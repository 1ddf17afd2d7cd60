package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// partnerBusinessID is a business id no tenant has: partner events in account_update may
// carry the partner's business id as entry.id (WHATSAPP.md §1.4).
const partnerBusinessID = "287319440981122"

// account_update names the account it is about in value.waba_info.waba_id, and that is where
// it goes, whatever entry.id is: the partner's business id (unknown to the directory) no
// longer dead-letters the customer's uninstall, and a waba_info naming a WABA no tenant has
// is not pinned on the tenant whose WABA stands in entry.id.
func TestAccountUpdateRoutesByWABAInfo(t *testing.T) {
	const uninstalled = `"event":"PARTNER_APP_UNINSTALLED"`
	wabaInfo := func(id string) string {
		return uninstalled + `,"waba_info":{"waba_id":"` + id + `","owner_business_id":"1"}`
	}
	cases := []struct {
		name       string
		body       string
		wantReauth bool
		wantLetter string // "" for none
	}{
		{"entry id is the partner's business", accountUpdate(partnerBusinessID, wabaInfo(accounts.DemoWABAID)), true, ""},
		{"entry id and waba_info agree", accountUpdate(accounts.DemoWABAID, wabaInfo(accounts.DemoWABAID)), true, ""},
		{"no waba_info: entry id", accountUpdate(accounts.DemoWABAID, uninstalled), true, ""},
		{"waba_info names another WABA", accountUpdate(accounts.DemoWABAID, wabaInfo("999999999999999")), false, "999999999999999"},
		{"neither is a tenant's", accountUpdate(partnerBusinessID, wabaInfo("999999999999999")), false, "999999999999999"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
			n.Seed()
			tenantA := demoTenantID(t, n)
			if r := postWebhook(t, n, []byte(tc.body)); r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			waitProcessed(t, n, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			letters, err := n.Engine.Store().Inbox().DeadLetters(ctx, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			var reasons []string
			for _, l := range letters {
				reasons = append(reasons, l.Reason)
			}
			if tc.wantLetter == "" && len(reasons) != 0 ||
				tc.wantLetter != "" && (len(reasons) != 1 || !strings.Contains(reasons[0], tc.wantLetter)) {
				t.Fatalf("dead letters %q, want one naming %q", reasons, tc.wantLetter)
			}
			st := tenantState(t, n, tenantA)
			if st.NeedsReauth != tc.wantReauth {
				t.Fatalf("needsReauth %v, want %v", st.NeedsReauth, tc.wantReauth)
			}
			if tc.wantReauth && (len(st.Recent) == 0 || st.Recent[len(st.Recent)-1].WABAID != accounts.DemoWABAID) {
				t.Fatalf("event recorded for another WABA: %+v", st.Recent)
			}
		})
	}
}

// accountUpdate is an account_update webhook for entry id with value members.
func accountUpdate(entryID, members string) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"` + entryID + `","time":1767232600,` +
		`"changes":[{"field":"account_update","value":{` + members + `}}]}]}`
}

func tenantState(t *testing.T, n *enginetest.Node, tenantID string) *actors.TenantState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := n.Engine.Actors().TenantState(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// An ACCOUNT_RESTRICTION restricts the tenant whatever form its expiration takes; an ISO
// date (as WATI and Zernio document Meta sending it) used to fail the whole value, so the
// event was a dead letter and the tenant went on sending. The restriction is kept by its
// type with the expiration read, not as a ban; one the engine cannot read lasts a day from
// Meta's event (the entry's time), marked assumed, rather than until a REINSTATE Meta never
// sends for a restriction.
func TestAccountRestrictionWithAnyExpirationRestricts(t *testing.T) {
	for expiration, want := range map[string]time.Time{
		`1767837600`:                 time.Unix(1767837600, 0).UTC(),
		`"2026-04-19T13:59:20+0000"`: time.Date(2026, 4, 19, 13, 59, 20, 0, time.UTC),
		`"soon"`:                     time.Unix(1767232600, 0).UTC().Add(24 * time.Hour),
	} {
		t.Run(expiration, func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
			n.Seed()
			tenantA := demoTenantID(t, n)
			body := accountUpdate(accounts.DemoWABAID, `"event":"ACCOUNT_RESTRICTION","restriction_info":[`+
				`{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":`+expiration+`}]`)
			if r := postWebhook(t, n, []byte(body)); r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			waitProcessed(t, n, 1)
			if dl := n.Engine.WebhookStats().DeadLetters.Load(); dl != 0 {
				t.Fatalf("%d dead letters", dl)
			}
			st := tenantState(t, n, tenantA)
			if st.Restricted || len(st.Restrictions) != 1 || st.Restrictions[0].Type != actors.RestrictBizInitiated || !st.Restrictions[0].Until.Equal(want) ||
				st.Restrictions[0].Assumed != (expiration == `"soon"`) {
				t.Fatalf("restrictions %+v (banned %v), want %s until %v", st.Restrictions, st.Restricted, actors.RestrictBizInitiated, want)
			}
		})
	}
}
