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
	ob, ctx := embeddedOutbox(t)
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

// An outcome whose write is retried learns of Meta's failure of its attempt meanwhile
// (transitionTo asks for the row before each try): the next try writes it retryable. When an
// earlier try's sent landed (its answer lost), that try is marked over it, not taken for
// another writer's decision — which would let go of the message and leave the row sent,
// its failure unwritten. Another attempt's sent is not marked.
func TestRetriedOutcomeMarksItsEarlierTry(t *testing.T) {
	ob, ctx := embeddedOutbox(t)
	for _, tc := range []struct {
		name, landed string
		want         persistence.OutboxState
	}{
		{"the earlier try's sent", "wamid.A", persistence.OutboxRetryable},
		{"another attempt's sent", "wamid.B", persistence.OutboxSent},
	} {
		row := outboxRow("t1", "m-"+tc.landed)
		if err := ob.Enqueue(ctx, []persistence.OutboxMessage{row}); err != nil {
			t.Fatal(err)
		}
		claim := row
		claim.State, claim.Attempts, claim.UpdatedAt = persistence.OutboxSending, 1, time.Now().UTC()
		if err := ob.Transition(ctx, persistence.OutboxQueued, claim); err != nil {
			t.Fatal(err)
		}
		landed := claim
		landed.State, landed.WAMID, landed.UpdatedAt = persistence.OutboxSent, tc.landed, time.Now().UTC()
		if err := ob.Transition(ctx, persistence.OutboxSending, landed); err != nil {
			t.Fatal(err)
		}
		ev := &OutboundEvidence{MessageID: row.ID, WAMID: "wamid.A", Retry: &MessageError{Code: 131000, Title: "Something went wrong"}}
		marked := claim
		marked.State, marked.WAMID = persistence.OutboxSent, "wamid.A"
		marked = retryableOn(marked, ev, time.Now().UTC())
		err := transitionTo(ctx, ob, persistence.OutboxSending, func() persistence.OutboxMessage { return marked }, false)
		got, gerr := ob.Get(ctx, row.ID)
		if gerr != nil {
			t.Fatal(gerr)
		}
		if got.State != tc.want || (tc.want == persistence.OutboxRetryable) != (err == nil) {
			t.Errorf("%s: the retried outcome wrote %s (err %v), want %s", tc.name, got.State, err, tc.want)
		}
	}
}

// embeddedOutbox is the outbox of a fresh embedded store, closed after the test, and a
// context bounding the test's writes.
func embeddedOutbox(t *testing.T) (persistence.Outbox, context.Context) {
	t.Helper()
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return store.Outbox(), ctx
}
