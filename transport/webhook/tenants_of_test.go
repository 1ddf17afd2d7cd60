package webhook

import (
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

// testProcessor routes by a directory of tenants, all of WABA w1.
func testProcessor(t *testing.T, tenants ...persistence.Tenant) *Processor {
	_, dir := newTestDirectory(t, tenants...)
	return &Processor{dir: NewDirectory(dir), log: slog.New(slog.DiscardHandler)}
}

func wabaTenant(id, phoneID, display string, active bool) persistence.Tenant {
	now := time.Now().UTC()
	return persistence.Tenant{ID: id, Name: id, Active: active, PhoneNumberID: phoneID, DisplayPhoneNumber: display, WABAID: "w1",
		CreatedAt: now, UpdatedAt: now}
}

// A phone_number_quality_update is about one number (display_phone_number): its tenant takes
// it, matched by the number's digits, and no one when no tenant has the number (another
// number of the WABA, not connected here). Before, such an update fell back to the WABA and
// reached each of its tenants: a THROUGHPUT_UPGRADE paced every tenant's number at 1,000/s.
func TestQualityUpdateReachesOnlyItsNumbersTenant(t *testing.T) {
	p := testProcessor(t, wabaTenant("ta", "111", "+1 555 0001", true), wabaTenant("tb", "222", "+1 555 0002", true))
	for display, want := range map[string]string{"15550002": "tb", "15550009": "", "": ""} {
		c := graph.Change{Field: graph.FieldPhoneNumberQualityUpdate,
			Value: []byte(`{"display_phone_number":"` + display + `","event":"THROUGHPUT_UPGRADE"}`)}
		ts, kind, key, err := p.tenantsOf(t.Context(), graph.Entry{ID: "w1"}, c, "w1", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if kind != byDisplayNumber || key != display {
			t.Errorf("%q: routed by %s %q", display, kindName(kind), key)
		}
		switch {
		case want == "" && len(ts) != 0:
			t.Errorf("the upgrade of %q, no tenant's number, reaches %v", display, ts)
		case want != "" && (len(ts) != 1 || ts[0].ID != want):
			t.Errorf("the upgrade of %q reaches %v, want %s only", display, ts, want)
		}
	}
}

// A WABA-level event (a ban, a template change) reaches every tenant of the WABA, active or
// not. Before, a deactivated tenant got it only when no tenant of the WABA was active: with
// an active sibling it missed the ban, and once reactivated sent as if unbanned.
func TestWABAEventReachesEveryTenantActiveOrNot(t *testing.T) {
	p := testProcessor(t, wabaTenant("ta", "111", "", true), wabaTenant("tb", "222", "", false))
	for _, c := range []graph.Change{
		{Field: graph.FieldAccountUpdate, Value: []byte(`{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"DISABLE"}}`)},
		{Field: "message_template_status_update", Value: []byte(`{"event":"PAUSED","message_template_id":1,"message_template_name":"t","message_template_language":"en_US"}`)},
	} {
		ts, _, _, err := p.tenantsOf(t.Context(), graph.Entry{ID: "w1"}, c, "w1", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 || ts[0].ID != "ta" || ts[1].ID != "tb" {
			t.Errorf("%s reaches %v, want ta and the deactivated tb", c.Field, ts)
		}
	}
	ts, _, _, err := p.tenantsOf(t.Context(), graph.Entry{ID: "w2"}, graph.Change{Field: graph.FieldAccountUpdate,
		Value: []byte(`{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"DISABLE"}}`)}, "w2", time.Time{})
	if err != nil || len(ts) != 0 {
		t.Fatalf("a WABA no tenant has reaches %v (%v)", ts, err)
	}
}
