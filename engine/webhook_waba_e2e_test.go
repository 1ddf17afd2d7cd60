package engine_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/persistence"
)

// Several tenants (one per number) may share a WABA: the directory keeps only the phone
// number id unique. WABA-level events (account, templates) reach every tenant of the WABA,
// active or not (a deactivated one, reactivated, knows its account's ban); a number's quality update reaches its number's tenant only, and one for a number no
// tenant has is a dead letter. Before, the WABA index kept one tenant (the last listed), so a
// WABA ban left the other numbers sending.
func TestWABAEventsReachEveryTenantOfTheWABA(t *testing.T) {
	const secondDisplay = "15550129999"
	ban := accountUpdate(accounts.DemoWABAID, `"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"DISABLE","waba_ban_date":"2026-01-01"}`)
	template := `{"object":"whatsapp_business_account","entry":[{"id":"` + accounts.DemoWABAID + `","time":1767231000,"changes":[` +
		`{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":1789012345678901,` +
		`"message_template_name":"order_shipped","message_template_language":"pt_BR","reason":"NONE","message_template_category":"UTILITY"}}]}]}`
	quality := func(display string) string {
		return `{"object":"whatsapp_business_account","entry":[{"id":"` + accounts.DemoWABAID + `","time":1767231000,"changes":[` +
			`{"field":"phone_number_quality_update","value":{"display_phone_number":"` + display + `","event":"THROUGHPUT_UPGRADE",` +
			`"current_limit":"TIER_UNLIMITED","max_daily_conversations_per_business":"TIER_UNLIMITED"}}]}]}`
	}
	got := func(st *actors.TenantState) bool { return len(st.Recent) > 0 }
	cases := []struct {
		name                 string
		body                 string
		secondActive         bool
		wantDemo, wantSecond bool
		wantDead             int64
		check                func(*actors.TenantState) bool // holds for a tenant that got the event
	}{
		{"WABA ban", ban, true, true, true, 0, func(st *actors.TenantState) bool { return st.Restricted }},
		{"template status", template, true, true, true, 0, func(st *actors.TenantState) bool {
			return st.Templates["order_shipped|pt_BR"].Status == actors.TemplateApproved
		}},
		{"quality of the second number", quality(secondDisplay), true, false, true, 0, func(st *actors.TenantState) bool { return st.HighThroughput }},
		{"quality of a number no tenant has", quality("15550100000"), true, false, false, 1, func(st *actors.TenantState) bool { return st.HighThroughput }},
		{"deactivated tenant of the WABA", ban, false, true, true, 0, func(st *actors.TenantState) bool { return st.Restricted }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := enginetest.Start(t, enginetest.Options{Backend: enginetest.Embedded})
			n.Seed()
			demo := demoTenantID(t, n)
			now := time.Now().UTC()
			second := persistence.Tenant{ID: "second-number", Name: "Demo, 2nd number", Active: tc.secondActive, WABAID: accounts.DemoWABAID,
				PhoneNumberID: "109881335267999", DisplayPhoneNumber: "+" + secondDisplay, CreatedAt: now, UpdatedAt: now}
			if err := n.Engine.Store().Directory().CreateTenant(t.Context(), second); err != nil {
				t.Fatal(err)
			}
			if r := postWebhook(t, n, []byte(tc.body)); r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			waitProcessed(t, n, 1)
			if dl := n.Engine.WebhookStats().DeadLetters.Load(); dl != tc.wantDead {
				t.Fatalf("%d dead letters, want %d", dl, tc.wantDead)
			}
			for id, want := range map[string]bool{demo: tc.wantDemo, second.ID: tc.wantSecond} {
				st := tenantState(t, n, id)
				if got(st) != want || want && !tc.check(st) {
					t.Errorf("tenant %s: got the event %v (state %+v), want %v", id, got(st), st.Recent, want)
				}
			}
		})
	}
}
