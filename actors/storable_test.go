package actors

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A delivery holding a time no snapshot can encode (past year 9999) is refused as invalid,
// which the webhook processor dead-letters, and the conversation goes on: before, it was
// applied, every later flush of the conversation failed, and the delivery was retried for
// ever.
func TestDeliveryWithAnUnstorableTimeIsRefused(t *testing.T) {
	client := startGrains(t, openStore(t, t.TempDir()), time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const user = "5511933334444"
	far, now := time.Unix(253402300800, 0).UTC(), time.Unix(1767225600, 0).UTC()
	for _, tc := range []struct {
		name string
		d    Deliver
	}{
		{"message", Deliver{Messages: []Message{{WAMID: "wamid.far.1", Type: "text", Timestamp: far}}}},
		{"status", Deliver{Statuses: []StatusUpdate{{WAMID: "wamid.far.2", Status: "read", Timestamp: far, CallbackData: "m1"}}}},
		{"preference", Deliver{Preferences: []PreferenceUpdate{{Category: "marketing_messages", Value: "stop", Timestamp: far}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.TenantID, tc.d.Contact = tenantA, Contact{WaID: user}
			if _, err := client.Deliver(ctx, user, &tc.d); !errors.Is(err, ErrInvalid) {
				t.Fatalf("want ErrInvalid, got %v", err)
			}
		})
	}
	ok := &Deliver{TenantID: tenantA, Contact: Contact{WaID: user},
		Messages: []Message{{WAMID: "wamid.now", Type: "text", Text: "oi", Timestamp: now}}}
	if r, err := client.Deliver(ctx, user, ok); err != nil || r.Added != 1 {
		t.Fatalf("the next delivery: %v %+v", err, r)
	}
	if page, err := client.Messages(ctx, tenantA, user, ListMessages{Page: 1, Limit: 10}); err != nil || page.Total != 1 {
		t.Fatalf("messages: %v %+v", err, page)
	}
}
