package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// failingDeadLetters is the real store whose dead letters cannot be written.
type failingDeadLetters struct {
	persistence.Store
}

func (s failingDeadLetters) Inbox() persistence.Inbox { return failingDeadLetterInbox{s.Store.Inbox()} }

type failingDeadLetterInbox struct{ persistence.Inbox }

func (failingDeadLetterInbox) DeadLetter(context.Context, []persistence.DeadLetter) error {
	return fmt.Errorf("dead letters cannot be written (the test's failure): %w", persistence.ErrUnavailable)
}

// An entry whose jobs were not queued — a full lane refused it, or its routing failed part-way
// (the dead-letter store is down) — is routed again from scratch when replay dispatches it,
// so whatever its first routing recorded as done must be undone: the user id → wa_id teaching
// was recorded as taught while routing, and it never ran, so the tenant was never taught the
// alias (the second routing saw it taught and queued nothing).
func TestEntryNotQueuedTeachesItsAliasWhenDispatchedAgain(t *testing.T) {
	teach := `{"field":"messages","value":{"metadata":{"phone_number_id":"111"},"contacts":[{"profile":{"name":"u"},"wa_id":"5511900000009","user_id":"BR.u9"}],` +
		`"messages":[{"from":"5511900000009","from_user_id":"BR.u9","id":"wamid.x","timestamp":"1767225600","type":"text","text":{"body":"hi"}}]}}`
	unknownNumber := `{"field":"messages","value":{"metadata":{"phone_number_id":"999"}}}`
	for _, tc := range []struct {
		name    string
		changes string
		refuse  func(p *Processor) persistence.Store // prepares the first dispatch's failure
	}{
		{"refused by a spilled lane", teach, func(p *Processor) persistence.Store {
			p.lanes.lanes[p.lanes.index("tenant/ta")].spilled = true // full behind a failing call
			return p.store
		}},
		{"routing failed after it", teach + "," + unknownNumber, func(p *Processor) persistence.Store {
			healthy := p.store
			p.store = failingDeadLetters{p.store}
			return healthy
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t)
			if err := store.Directory().CreateTenant(t.Context(), wabaTenant("ta", "111", "", true)); err != nil {
				t.Fatal(err)
			}
			p := NewProcessor(store, nil, &Stats{}, slog.New(slog.DiscardHandler), 0)
			t.Cleanup(p.lanes.close)
			e := persistence.InboxEntry{ID: "e1", ReceivedAt: time.Now().UTC(),
				Body: []byte(`{"object":"whatsapp_business_account","entry":[{"id":"w1","changes":[` + tc.changes + `]}]}`)}
			healthy := tc.refuse(p)
			p.dispatch(e)
			if len(p.marks) != 0 {
				t.Fatal("the entry was processed: its first dispatch did not fail as the case needs")
			}
			// Replay routes it again once the lane has room and the store is back: the
			// teaching must be among its jobs.
			p.lanes.unspill()
			p.store = healthy
			tr := &tracked{id: e.ID, p: p}
			_ = p.route(context.Background(), e, tr) // the dead letter of the unknown number is written now
			var tenantJobs int
			for _, j := range tr.jobs {
				if j.key == "tenant/ta" {
					tenantJobs++
				}
			}
			if tenantJobs != 1 {
				t.Fatalf("%d tenant jobs when routed again, want 1: the alias teaching that never ran", tenantJobs)
			}
		})
	}
}
