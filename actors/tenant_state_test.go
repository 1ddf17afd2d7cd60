package actors

import (
	"testing"
	"time"
)

// Meta retries webhooks for days and keeps no order, and the engine's own replay may hand
// an older entry to the tenant after newer ones: a quality, tier or capability event older
// than the last one applied of its kind must not move the state back. Before, a TIER_10K
// upgrade followed by a late retry of an older TIER_250 left the tier at 250, and templates
// got a wrongful 429 messaging_limit_reached.
func TestTenantStateIgnoresOlderQualityAndCapability(t *testing.T) {
	quality := func(at time.Time, event, tier string) TenantEvent {
		return TenantEvent{Field: "phone_number_quality_update", Time: at, Quality: &QualityUpdate{Event: event, CurrentLimit: tier}}
	}
	capability := func(at time.Time, tier string) TenantEvent {
		return TenantEvent{Field: "business_capability_update", Time: at, Capability: map[string]string{capabilityPerBusiness: tier}}
	}
	t1, t2 := t0, t0.Add(time.Hour)
	cases := []struct {
		name           string
		events         []TenantEvent
		wantLimit      int
		wantQuality    string // CurrentLimit of the quality kept; "" for none
		wantCapability string
		wantHigh       bool
	}{
		{"quality in order", []TenantEvent{quality(t1, "DOWNGRADE", "TIER_250"), quality(t2, "UPGRADE", "TIER_10K")}, 10_000, "TIER_10K", "", false},
		{"late older quality", []TenantEvent{quality(t2, "UPGRADE", "TIER_10K"), quality(t1, "DOWNGRADE", "TIER_250")}, 10_000, "TIER_10K", "", false},
		{"late older capability", []TenantEvent{capability(t2, "TIER_10K"), capability(t1, "TIER_250")}, 10_000, "", "TIER_10K", false},
		{"late older capability after a quality", []TenantEvent{quality(t2, "UPGRADE", "TIER_10K"), capability(t1, "TIER_250")}, 10_000, "TIER_10K", "TIER_250", false},
		{"newer capability after a quality", []TenantEvent{quality(t1, "UPGRADE", "TIER_10K"), capability(t2, "TIER_2K")}, 2_000, "TIER_10K", "TIER_2K", false},
		{"same second: arrival order", []TenantEvent{quality(t1, "UPGRADE", "TIER_10K"), quality(t1, "DOWNGRADE", "TIER_2K")}, 2_000, "TIER_2K", "", false},
		{"undated after dated", []TenantEvent{quality(t1, "UPGRADE", "TIER_10K"), quality(time.Time{}, "DOWNGRADE", "TIER_250")}, 10_000, "TIER_10K", "", false},
		// The 1,000/s tier has no way back down: a late upgrade still counts, but its
		// snapshot of quality and tier is older than what the state holds.
		{"late throughput upgrade", []TenantEvent{quality(t2, "UPGRADE", "TIER_10K"), quality(t1, EventThroughputUpgrade, "TIER_UNLIMITED")}, 10_000, "TIER_10K", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTenantState()
			for _, ev := range tc.events {
				s.apply(ev)
			}
			var q string
			if s.Quality != nil {
				q = s.Quality.CurrentLimit
			}
			if got := s.messagingLimit(); got != tc.wantLimit || q != tc.wantQuality ||
				s.Capability[capabilityPerBusiness] != tc.wantCapability || s.HighThroughput != tc.wantHigh {
				t.Fatalf("limit %d, quality %q, capability %q, high throughput %v; want %d, %q, %q, %v",
					got, q, s.Capability[capabilityPerBusiness], s.HighThroughput, tc.wantLimit, tc.wantQuality, tc.wantCapability, tc.wantHigh)
			}
			if len(s.Recent) != len(tc.events) {
				t.Fatalf("%d events remembered, want every one", len(s.Recent))
			}
		})
	}
}

// A snapshot saved before the times of each kind were kept takes them from its newest
// remembered event of the kind, so a late older event is refused after the upgrade too; a
// snapshot remembering none applies the next event as before. A tier Meta answered when
// asked is as of then: an older event arriving later does not undo it.
func TestTenantStateTimesOfOlderSnapshotsAndLearnedTiers(t *testing.T) {
	t1, t2 := t0, t0.Add(time.Hour)
	upgrade := TenantEvent{Field: "phone_number_quality_update", Time: t2, Quality: &QualityUpdate{Event: "UPGRADE", CurrentLimit: "TIER_10K"}}
	downgrade := TenantEvent{Field: "phone_number_quality_update", Time: t1, Quality: &QualityUpdate{Event: "DOWNGRADE", CurrentLimit: "TIER_250"}}
	oldCapability := TenantEvent{Field: "business_capability_update", Time: t1, Capability: map[string]string{capabilityPerBusiness: "TIER_250"}}
	newCapability := TenantEvent{Field: "business_capability_update", Time: t2, Capability: map[string]string{capabilityPerBusiness: "TIER_10K"}}

	old := TenantState{Templates: map[string]TemplateState{}, MessagingTier: "TIER_10K", Capability: map[string]string{capabilityPerBusiness: "TIER_10K"},
		Recent: []TenantEvent{newCapability, upgrade}}
	old.settle()
	old.apply(downgrade)
	old.apply(oldCapability)
	if old.messagingLimit() != 10_000 || old.Capability[capabilityPerBusiness] != "TIER_10K" {
		t.Fatalf("older snapshot moved back: tier %q, capability %v", old.MessagingTier, old.Capability)
	}

	bare := TenantState{Templates: map[string]TemplateState{}, MessagingTier: "TIER_10K"}
	bare.settle()
	bare.apply(downgrade)
	if bare.messagingLimit() != 250 {
		t.Fatalf("a snapshot remembering no tier event refused the next one: %q", bare.MessagingTier)
	}

	learned := newTenantState()
	learned.apply(downgrade)
	if !learned.learnTier("TIER_10K", t2) || learned.learnTier("TIER_10K", t2) {
		t.Fatal("learnTier reports a change only when the tier changes")
	}
	learned.apply(TenantEvent{Field: "business_capability_update", Time: t1.Add(time.Minute), Capability: map[string]string{capabilityPerBusiness: "TIER_250"}})
	if learned.messagingLimit() != 10_000 {
		t.Fatalf("an event older than the tier Meta answered undid it: %q", learned.MessagingTier)
	}
}
