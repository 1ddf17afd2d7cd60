package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/engine/enginetest"
	"github.com/switchboard/switchboard/fakemeta"
	"github.com/switchboard/switchboard/transport/graph"
)

// A messaging limit in Meta's answer that the engine cannot read (not TIER_<n>[K|M], not
// UNLIMITED) says nothing it could enforce: it must not replace the tier the engine knows,
// which would lift the limit (an unreadable tier is not enforced) and keep whatever string
// Meta sent, of any length, in the tenant's snapshot.
func TestTenantStatusIgnoresAnUnreadableTier(t *testing.T) {
	r := startWithMeta(t, enginetest.Embedded, fakemeta.DefaultConfig(), nil)
	if st := r.tenantStatus(t, r.admin, r.tenantA, 200); st.MessagingLimit.Tier != "TIER_2K" {
		t.Fatalf("messaging limit %+v, want Meta's TIER_2K", st.MessagingLimit)
	}
	for _, tier := range []string{"TIER_NOT_SET", "TIER_-5", strings.Repeat("X", 100_000)} {
		r.meta.UpdateNumber(phoneA, func(p *graph.PhoneNumber) { p.MessagingLimit = tier })
		st := r.tenantStatus(t, r.admin, r.tenantA, 200)
		if st.MessagingLimit.Tier != "TIER_2K" || st.MessagingLimit.Limit == nil || *st.MessagingLimit.Limit != 2000 {
			t.Fatalf("after Meta reported %.20q: messaging limit %+v, want TIER_2K kept", tier, st.MessagingLimit)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if state, err := r.Engine.Actors().TenantState(ctx, r.tenantA); err != nil || state.MessagingTier != "TIER_2K" {
		t.Fatalf("tenant's tier %.20q (%v), want TIER_2K", state.MessagingTier, err)
	}
}
