package webhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// gatedInbox is the store's inbox, its appends held until the gate opens.
type gatedInbox struct {
	persistence.Inbox
	gate chan struct{}
}

func (g gatedInbox) Append(ctx context.Context, entries []persistence.InboxEntry) error {
	<-g.gate
	return g.Inbox.Append(ctx, entries)
}

// The writer reuses its timers and answer channels from one append to the next: an append
// that timed out leaves nothing behind that a later append could take for its own (a stale
// expiry, or the late answer of the write it gave up on).
func TestWriterAppendTimesOutAndRecovers(t *testing.T) {
	store := openStore(t)
	in := gatedInbox{Inbox: store.Inbox(), gate: make(chan struct{})}
	w := NewWriter(in, 1)
	t.Cleanup(w.Close)
	if err := w.Append(persistence.InboxEntry{ID: "late"}, 50*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an append past its timeout: %v", err)
	}
	close(in.gate) // the write given up on lands now
	for i, id := range []string{"a", "b", "c"} {
		if err := w.Append(persistence.InboxEntry{ID: id, Body: []byte(`{}`)}, 5*time.Second); err != nil {
			t.Fatalf("append %d after a timeout: %v", i, err)
		}
	}
	// A duplicate id is refused by the store; its answer is its own, not another's.
	if err := w.Append(persistence.InboxEntry{ID: "a"}, 5*time.Second); !errors.Is(err, persistence.ErrConflict) {
		t.Fatalf("a duplicate id: %v, want a conflict", err)
	}
	pending, err := store.Inbox().Pending(t.Context(), "", 10)
	if err != nil || len(pending) != 4 {
		t.Fatalf("%d pending (%v), want the late one and three more", len(pending), err)
	}
	w.Close()
	if err := w.Append(persistence.InboxEntry{ID: "d"}, time.Second); !errors.Is(err, persistence.ErrUnavailable) {
		t.Fatalf("an append to a closed writer: %v", err)
	}
}
