package mongo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/switchboard/switchboard/persistence"
)

// Outbox transitions take a fence before their conditional replace (snapshots and buckets no
// longer replace anything: doc.go, "Versions"). On MongoDB the replace alone would do: a
// filtered replace is atomic there. FerretDB 1.24 runs a filtered update as a query followed
// by an unconditional write by _id, so two writers racing on one document both match and both
// write — in the contract suite, three of eight racing senders moved one message to
// "sending". Its only atomic arbiter is the unique _id of an insert, so a writer first inserts
// a fence named after the document and the version it writes:
//
//  1. insert fences {_id: "<document>#<version>"} — a duplicate means another writer is
//     writing that same version now: ErrVersionConflict;
//  2. replace the document, filtered on the version it must replace;
//  3. delete the fence.
//
// Every writer that can match the document at a given moment is writing the same version
// (the filter names the version before it), so the fence leaves at most one writer per
// matching state, and the unconditional write FerretDB does after its query cannot land on a
// state it did not see. Writers of other versions never wait on each other's fences, so a
// stale activation cannot block a live one. A fence outlives its writer only if the process
// dies between 1 and 3; a fence older than the store's fence lease (Options.FenceLease) is
// then broken by the next writer (the fenced section runs under fenceHold, well inside the
// lease). One code path serves both servers: the fence costs MongoDB two small writes per
// conditional write, and buys one tested implementation.
const DefaultFenceLease = time.Minute

// fenceHold bounds a fenced section: DefaultTimeout, but never more than half the lease, so a
// live writer's fence is never old enough to be broken while its section can still write,
// however short a test sets the lease.
func fenceHold(lease time.Duration) time.Duration {
	return min(DefaultTimeout, lease/2)
}

// newFenceOwner makes an acquiring call's mark (a variable so a test can plant a fence as if
// an earlier try of that call had landed).
var newFenceOwner = rand.Text

type fenceDoc struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
	// Owner is the acquiring call's own random mark: an insert whose answer was lost may
	// have landed, and only the mark tells that fence from another writer's.
	Owner string `bson:"owner"`
}

// fenced runs write holding the fence name; write reports through its error whether the
// conditional replace matched.
func (s *Store) fenced(ctx context.Context, name string, write func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, fenceHold(s.fenceLease))
	defer cancel()
	f, err := s.acquire(ctx, name)
	if err != nil {
		return err
	}
	werr := write(ctx)
	if answerLost(werr) {
		// The server may still run what it was sent. A command that runs late as a whole is
		// harmless: FerretDB runs the replace's query step when it runs the command, and
		// the filter names a revision the next writers moved past (TestLateOutboxTransition
		// CannotTakeMessageBack). The window is inside the server: FerretDB runs a filtered
		// replace as a query and then an unconditional write by _id, so a write step it
		// delays after its query step could land after the next writer stored newer
		// revisions and take the document back (an outbox message back to an earlier
		// state). The fence stays for its lease, so no one else writes this revision while
		// that may happen: the next writer is refused (and retries) until the write shows or
		// the lease ends. A write step a minute behind its own query is all that is left;
		// snapshots, which cannot afford even that, are insert-only (doc.go, "Versions").
		return werr
	}
	// Release even when the caller's context is spent. A release that fails is not the
	// write's failure: the write landed or not by itself, and the fence, which names this one
	// version, blocks only writers of the same version, for the fence lease at most.
	s.release(ctx, f)
	return werr
}

// answerLost reports whether err may hide a command the server received and has not run
// yet: the deadline passed or the connection broke before its answer came.
func answerLost(err error) bool {
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, persistence.ErrUnavailable) || unavailable(err))
}

// release deletes f, best effort, on a context of its own.
func (s *Store) release(ctx context.Context, f fenceDoc) {
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultTimeout)
	defer rcancel()
	_, _ = s.fences.DeleteOne(rctx, bson.D{{Key: "_id", Value: f.ID}, {Key: "owner", Value: f.Owner}})
}

func (s *Store) acquire(ctx context.Context, name string) (fenceDoc, error) {
	for range 3 {
		f := fenceDoc{ID: name, At: time.Now().UTC().Truncate(time.Millisecond), Owner: newFenceOwner()}
		_, err := s.fences.InsertOne(ctx, f)
		if err == nil {
			return f, nil
		}
		if !isDuplicate(err) {
			// The insert may have landed with its answer lost (a timeout, a reset): take it
			// back, or this version stays blocked for the lease.
			s.release(ctx, f)
			return fenceDoc{}, err
		}
		var held fenceDoc
		err = s.fences.FindOne(ctx, byID(name)).Decode(&held)
		if errors.Is(err, mongodrv.ErrNoDocuments) {
			continue // released since our insert
		}
		if err != nil {
			return fenceDoc{}, err
		}
		if held.Owner == f.Owner {
			return f, nil // our own insert, landed on a try the driver repeated
		}
		if time.Since(held.At) < s.fenceLease {
			return fenceDoc{}, fmt.Errorf("%s is being written by another writer: %w", name, persistence.ErrVersionConflict)
		}
		// Abandoned by a writer that died holding it. The filter on its time keeps a breaker
		// that lost a race with another breaker from deleting the winner's fresh fence.
		if _, err := s.fences.DeleteOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "at", Value: held.At}}); err != nil {
			return fenceDoc{}, err
		}
	}
	return fenceDoc{}, fmt.Errorf("%s: fence keeps changing hands: %w", name, persistence.ErrVersionConflict)
}
