package actors

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
)

// transition reads a refused write back: its own write that landed (an earlier try reported
// an error) is success, but a claim another activation made is not ours — taking it for
// ours would send the message a second time.
func TestTransitionTellsOurClaimFromAnothers(t *testing.T) {
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ob := store.Outbox()
	row := outboxRow("t1", "m1")
	if err := ob.Enqueue(ctx, []persistence.OutboxMessage{row}); err != nil {
		t.Fatal(err)
	}
	theirs := row
	theirs.State, theirs.Attempts, theirs.UpdatedAt, theirs.Claim = persistence.OutboxSending, 1, time.Now().UTC(), newClaimToken()
	if err := ob.Transition(ctx, persistence.OutboxQueued, theirs); err != nil {
		t.Fatal(err)
	}

	ours := theirs
	ours.UpdatedAt = theirs.UpdatedAt.Add(5 * time.Millisecond)
	if err := transition(ctx, ob, persistence.OutboxQueued, ours, false); !errors.Is(err, persistence.ErrVersionConflict) {
		t.Fatalf("claiming a row another activation claimed: %v, want a conflict", err)
	}
	// The same attempt in the same millisecond, by another activation (a stopped one's late
	// claim and the next one's: seen in TestClaimOfAStoppedTenantIsPutBack, which sent the
	// message twice): only the claim's token tells them apart.
	twin := theirs
	twin.Claim = newClaimToken()
	if err := transition(ctx, ob, persistence.OutboxQueued, twin, false); !errors.Is(err, persistence.ErrVersionConflict) {
		t.Fatalf("claiming a row another activation claimed in the same millisecond: %v, want a conflict", err)
	}
	if err := transition(ctx, ob, persistence.OutboxQueued, theirs, false); err != nil {
		t.Fatalf("the same claim read back: %v, want success", err)
	}
	sent := theirs
	sent.State, sent.WAMID, sent.UpdatedAt = persistence.OutboxSent, "wamid.A", time.Now().UTC()
	if err := ob.Transition(ctx, persistence.OutboxSending, sent); err != nil {
		t.Fatal(err)
	}
	again := sent
	again.UpdatedAt = sent.UpdatedAt.Add(time.Second)
	if err := transition(ctx, ob, persistence.OutboxSending, again, true); err != nil {
		t.Fatalf("an outcome already recorded: %v, want success", err)
	}
}
