package engine_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

// e164 is how API.md writes phone numbers: + and digits, nothing else.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

type tenantStatusView struct {
	TenantID, PhoneNumberID, QualityRating, CanSendMessage, NumberStatus, DisplayPhoneNumber string
	Active, Connected                                                                        bool
	MessagingLimit                                                                           struct {
		Tier  string
		Limit *int
		Used  int
	}
	Throughput struct {
		Level             string
		MessagesPerSecond int
	}
	Sending struct {
		Refused      string
		Backlog      *int
		BacklogLimit int
	}
	Health []struct {
		EntityType, ID, CanSendMessage string
		Errors                         []struct {
			Code        int
			Description string
		}
	}
	MetaError *struct {
		Code    int
		Message string
	}
	// API.md names the verdict can_send_message; canSendMessage is its camelCase twin.
	ContractCanSendMessage string `json:"can_send_message"`
}

func (r *metaRig) tenantStatus(t *testing.T, token, tenantID string, want int) tenantStatusView {
	t.Helper()
	res := r.Get("/api/v1/tenants/"+tenantID+"/status", token)
	if res.Status != want {
		t.Fatalf("status of %s: %d %s, want %d", tenantID, res.Status, res.Body, want)
	}
	var d struct{ Status tenantStatusView }
	if want == 200 {
		res.Data(t, &d)
	}
	return d.Status
}

// GET /tenants/:id/status shows Meta's live view of the number beside the engine's own: the
// tenant's admin and a platform admin may read it, an agent may not, another tenant's admin
// does not learn the tenant exists. The messaging limit Meta reports becomes the one the
// engine enforces. When Meta refuses the token, the engine's half still answers, with Meta's
// error; a tenant with no number is not configured, and Meta is not asked.
func TestTenantStatus(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	tenantAdmin := r.Login(demoEmail, demoPassword)

	st := r.tenantStatus(t, tenantAdmin, r.tenantA, 200)
	if !st.Active || !st.Connected || st.PhoneNumberID != phoneA || st.QualityRating != "GREEN" || st.NumberStatus != "CONNECTED" ||
		st.CanSendMessage != graph.HealthAvailable || st.ContractCanSendMessage != st.CanSendMessage || len(st.Health) != 3 || st.MetaError != nil || st.Sending.Refused != "" ||
		!e164.MatchString(st.DisplayPhoneNumber) {
		t.Fatalf("connected tenant: %+v", st)
	}
	if st.MessagingLimit.Tier != "TIER_2K" || st.MessagingLimit.Limit == nil || *st.MessagingLimit.Limit != 2000 || st.MessagingLimit.Used != 0 {
		t.Fatalf("messaging limit %+v, want Meta's TIER_2K", st.MessagingLimit)
	}
	if st.Throughput.Level != "STANDARD" || st.Throughput.MessagesPerSecond != 80 || st.Sending.BacklogLimit != 80*36_000 {
		t.Fatalf("throughput %+v, sending %+v", st.Throughput, st.Sending)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if state, err := r.Engine.Actors().TenantState(ctx, r.tenantA); err != nil || state.MessagingTier != "TIER_2K" {
		t.Fatalf("the tier Meta reported is not the tenant's: %v", err)
	}

	r.tenantStatus(t, r.agent, r.tenantA, 403)
	tenantB := addTenantB(t, r.Node)
	r.tenantStatus(t, tenantAdmin, tenantB.ID, 404)
	r.tenantStatus(t, r.admin, "000000000000000000000000", 404)
	if b := r.tenantStatus(t, r.admin, tenantB.ID, 200); b.Connected || b.Sending.Refused != "not_configured" ||
		b.CanSendMessage != "UNKNOWN" || b.ContractCanSendMessage != "UNKNOWN" || b.MetaError != nil {
		t.Fatalf("tenant without a token: %+v", b)
	}

	// Meta limits the number: its verdict and the entity's error come through.
	r.meta.UpdateNumber(phoneA, func(p *graph.PhoneNumber) {
		p.QualityRating = "RED"
		p.HealthStatus = &graph.HealthStatus{CanSendMessage: graph.HealthLimited, Entities: []graph.HealthEntity{
			{EntityType: "PHONE_NUMBER", ID: phoneA, CanSendMessage: graph.HealthLimited,
				Errors: []graph.HealthError{{ErrorCode: 141006, ErrorDescription: "Payment method issue"}}}}}
	})
	if st := r.tenantStatus(t, r.admin, r.tenantA, 200); st.CanSendMessage != graph.HealthLimited || st.QualityRating != "RED" ||
		len(st.Health) != 1 || len(st.Health[0].Errors) != 1 || st.Health[0].Errors[0].Code != 141006 {
		t.Fatalf("limited number: %+v", st)
	}

	// Meta refuses the token: 200 with the engine's view and Meta's error.
	setToken(t, r.Node, r.tenantA, "EAA-revoked")
	st = r.tenantStatus(t, tenantAdmin, r.tenantA, 200)
	if st.MetaError == nil || st.MetaError.Code != 190 || st.CanSendMessage != "UNKNOWN" || st.MessagingLimit.Tier != "TIER_2K" {
		t.Fatalf("token refused by Meta: %+v", st)
	}
}
