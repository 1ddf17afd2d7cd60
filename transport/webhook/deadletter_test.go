package webhook

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// An event kept as a dead letter is logged with its reason and inbox entry (before, only a
// counter said so: an operator saw a number's messages vanish from the inbox and nothing in
// the log), and an entry dispatched again — replayed after a crash before its mark, swept,
// re-routed after a store error — stores each of its dead letters once, not once per run.
func TestDeadLetterIsLoggedAndStoredOncePerEntry(t *testing.T) {
	store := openStore(t)
	var logged bytes.Buffer
	p := NewProcessor(store, nil, &Stats{}, slog.New(slog.NewTextHandler(&logged, nil)), 0)
	t.Cleanup(p.lanes.close)
	// Two changes for numbers no tenant has, and a body that is not JSON.
	unknown := persistence.InboxEntry{ID: "e1", ReceivedAt: time.Now().UTC(), Body: []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[` +
		`{"field":"messages","value":{"metadata":{"phone_number_id":"999"}}},{"field":"messages","value":{"metadata":{"phone_number_id":"998"}}}]}]}`)}
	garbage := persistence.InboxEntry{ID: "e2", ReceivedAt: time.Now().UTC(), Body: []byte(`not json`)}
	for range 2 {
		for _, e := range []persistence.InboxEntry{unknown, garbage} {
			p.dispatch(e)
			p.release(e.ID) // as a mark does; the next run is a replay
		}
	}
	letters, err := store.Inbox().DeadLetters(context.Background(), "", 10)
	if err != nil || len(letters) != 3 {
		t.Fatalf("%d dead letters (%v), want 3: one per change of e1, one for e2", len(letters), err)
	}
	for _, want := range []string{`inbox_id=e1`, `"no tenant for phone_number_id \"999\""`, `"no tenant for phone_number_id \"998\""`, `inbox_id=e2`, `unparseable webhook`} {
		if !strings.Contains(logged.String(), want) {
			t.Fatalf("log lacks %s:\n%s", want, logged.String())
		}
	}
}
