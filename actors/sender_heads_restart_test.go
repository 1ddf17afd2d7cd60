package actors

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// Meta answers a MARKETING template 131049 (its per-customer marketing cap) or 131050 (the
// customer stopped marketing), and the node restarts. The sender's own memory of the refusal
// is gone, but the activation rebuilds the tenant's copy of every conversation from the
// stored snapshots before it loads the outbox, and the refusal's conversation stored it
// before the outbox row was written failed (a failure is written only once its conversation
// took it, durably): a MARKETING template to that customer queued in the store fails at
// once with the same code, never sent, and a new one is refused at the API. On both stores.
func TestAMarketingRefusalOutlivesARestart(t *testing.T) {
	for _, backend := range []string{"embedded", "mongo"} {
		for _, c := range []struct {
			fail    *SendFailure
			refused string
		}{
			{&SendFailure{Class: ClassFail, Code: MetaMarketingHeld, Title: "This message was not delivered to maintain healthy ecosystem engagement."}, FailureMarketingHeld},
			{&SendFailure{Class: ClassFail, Code: MetaMarketingOptOut, Title: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."}, FailureMarketingOptOut},
		} {
			t.Run(fmt.Sprint(backend, "/", c.fail.Code), func(t *testing.T) {
				store := durableStore(t, backend)
				r, stop := stoppableSender(t, store)
				tenant, id := r.marketingTenantIDs(t, "restart-mr-")
				const to = "5511850000001"
				r.graph.answer(id("a"), func(int) (string, error) { return "", c.fail })
				if _, err := r.queueTo(t, tenant, id("a"), to, true); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "Meta's refusal written", func() bool { return r.row(t, id("a")).State == persistence.OutboxFailed })
				stop()

				// Queued before the restart, beyond what the sender held (a deep backlog).
				queued := outboxRow(tenant, id("b"))
				queued.PhoneNumberID, queued.Recipient, queued.ConversationID = "", "+"+to, ConversationID(tenant, to)
				queued.Request = fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"+%s","type":"template","template":{"name":"promo","language":{"code":"en_US"}},"biz_opaque_callback_data":"%s"}`, to, queued.ID)
				if err := store.Outbox().Enqueue(t.Context(), []persistence.OutboxMessage{queued}); err != nil {
					t.Fatal(err)
				}
				next, _ := stoppableSender(t, store)
				next.keeperWakesOne(t, "a queued template")
				waitFor(t, "the queued template settled", func() bool { return next.row(t, id("b")).State != persistence.OutboxQueued })
				if row := next.row(t, id("b")); row.State != persistence.OutboxFailed || row.ErrorCode != c.fail.Code {
					t.Fatalf("the template queued to the customer after the restart: %+v, want failed with %d", row, c.fail.Code)
				}
				time.Sleep(50 * time.Millisecond)
				if n, _ := next.graph.sends(id("b")); n != 0 {
					t.Fatalf("the template queued to the customer reached Meta %d times after the restart, want 0", n)
				}
				var refused *SendRefusedError
				if _, err := next.queueTo(t, tenant, id("c"), to, true); !errors.As(err, &refused) || refused.Code != c.refused {
					t.Fatalf("a new MARKETING template to the customer after the restart: %v, want %s", err, c.refused)
				}
			})
		}
	}
}
