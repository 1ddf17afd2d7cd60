package mongo

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
)

// A fenced write whose answer was lost (the client's deadline passed, the connection broke)
// may still be run by the server later: FerretDB runs a filtered replace as a query and then
// an unconditional write by _id, so a replace the client gave up on can land after the next
// writer stored newer revisions and take the document back to an older one. (Snapshots lost
// acknowledged messages that way before they became insert-only: late_write_test.go.) Such a
// writer keeps its fence for the lease, so the revision it may still write is not written by
// anyone else meanwhile; a writer that got its answer releases it at once.
func TestFenceKeptWhileTheWriteMayStillLand(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name     string
		writeErr error
		kept     bool
	}{
		{"written", nil, false},
		{"refused by its filter", fmt.Errorf("x: version 3 does not follow the stored version: %w", persistence.ErrVersionConflict), false},
		{"answer lost to the deadline", fmt.Errorf("replace: %w", context.DeadlineExceeded), true},
		{"answer lost with the connection", fmt.Errorf("mongo: transition: %w: read tcp: i/o timeout", persistence.ErrUnavailable), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "outbox/m-" + tc.name + "#3"
			err := s.fenced(ctx, name, func(context.Context) error { return tc.writeErr })
			if !errors.Is(err, tc.writeErr) {
				t.Fatalf("fenced returned %v, want the write's %v", err, tc.writeErr)
			}
			n, err := s.fences.CountDocuments(ctx, byID(name))
			if err != nil {
				t.Fatal(err)
			}
			if kept := n == 1; kept != tc.kept {
				t.Fatalf("fence kept: %v, want %v", kept, tc.kept)
			}
			wrote := false
			err = s.fenced(ctx, name, func(context.Context) error { wrote = true; return nil })
			if tc.kept {
				if !errors.Is(err, persistence.ErrVersionConflict) || wrote {
					t.Fatalf("next writer of the version: %v (wrote %v), want ErrVersionConflict while the lost write may land", err, wrote)
				}
				// Past the lease the fence is taken as abandoned, as a dead writer's is.
				if _, err := s.fences.UpdateOne(ctx, byID(name), map[string]any{"$set": map[string]any{"at": time.Now().Add(-2 * s.fenceLease).UTC()}}); err != nil {
					t.Fatal(err)
				}
				err = s.fenced(ctx, name, func(context.Context) error { wrote = true; return nil })
			}
			if err != nil || !wrote {
				t.Fatalf("next writer of the version: %v (wrote %v), want it written", err, wrote)
			}
		})
	}
}
