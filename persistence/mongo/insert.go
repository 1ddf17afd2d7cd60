package mongo

import (
	"context"
	"errors"
	"fmt"

	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// insertAll inserts docs (ids[i] is docs[i]'s _id) with one unordered InsertMany, all or
// nothing: when some ids are taken it deletes the documents it did insert and reports
// ErrConflict. Without transactions that is the closest MongoDB and FerretDB come to an
// atomic batch. A reader may glimpse the undone documents for a moment, and a crash between
// the insert and the undo leaves them stored; both are harmless for the inbox and outbox,
// whose ids the engine generates uniquely, so a conflict there is a bug report anyway.
func (s *Store) insertAll(ctx context.Context, op string, col *mongodrv.Collection, docs []any, ids []string) error {
	_, err := col.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil || !mongodrv.IsDuplicateKeyError(err) {
		return s.fail(op, err)
	}
	var bwe mongodrv.BulkWriteException
	if !errors.As(err, &bwe) {
		return s.fail(op, err)
	}
	failed := make(map[int]bool, len(bwe.WriteErrors))
	for _, we := range bwe.WriteErrors {
		failed[we.Index] = true
	}
	var inserted []string
	for i, id := range ids {
		if !failed[i] {
			inserted = append(inserted, id)
		}
	}
	// The undo must run even if the caller's deadline is what is left of it.
	undoCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultTimeout)
	defer cancel()
	if _, uerr := deleteIDs(undoCtx, col, inserted, nil); uerr != nil {
		return fmt.Errorf("mongo: %s: %w: %w (undoing %d inserted documents failed: %w)",
			op, persistence.ErrConflict, err, len(inserted), uerr)
	}
	return s.fail(op, err)
}

// duplicateID reports the first id that occurs twice in ids, so a batch that conflicts with
// itself is refused before anything is written.
func duplicateID(ids []string) (string, bool) {
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; dup {
			return id, true
		}
		seen[id] = struct{}{}
	}
	return "", false
}
