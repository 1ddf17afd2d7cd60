package actors

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// Regression: mergeStatus wrote StatusTimestamps in place, but copies of a message share
// that map (the summary's LastMessage, replies and summaries a flush goroutine encodes),
// so reading messages while statuses were applied was a data race under -race.
func TestReadingMessagesWhileStatusesApplyIsRaceFree(t *testing.T) {
	r := sharedSender(t)
	client, tenantA := r.client, r.newTenant(t)
	ctx := t.Context()
	for i := range 3 {
		m := Message{ID: fmt.Sprint("o", i), Type: "text", Text: "x", Timestamp: time.Now()}
		if _, err := client.RecordOutbound(ctx, tenantA, customer, m); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		for i := range 100 {
			_, err := client.Deliver(ctx, customer, &Deliver{TenantID: tenantA, Contact: Contact{WaID: customer},
				Statuses: []StatusUpdate{{WAMID: fmt.Sprint("w", i%3), CallbackData: fmt.Sprint("o", i%3), Placed: true,
					Status: []string{StatusSent, StatusDelivered, StatusRead, StatusPlayed}[i/3%4], Timestamp: time.Now()}}})
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
		p, err := client.Messages(ctx, tenantA, customer, ListMessages{Page: 1, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	}
}
