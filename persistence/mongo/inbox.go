package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// inbox implements persistence.Inbox over the inbox and dead_letters collections.
type inbox struct{ s *Store }

// Append is one InsertMany: the server writes the batch in one command, and the webhook
// edge's own group commit decides how many requests share it.
func (in inbox) Append(ctx context.Context, entries []persistence.InboxEntry) error {
	const op = "append inbox"
	if len(entries) == 0 {
		return nil
	}
	ids := make([]string, len(entries))
	docs := make([]any, len(entries))
	for i, e := range entries {
		ids[i], docs[i] = e.ID, e
	}
	if id, dup := duplicateID(ids); dup {
		return fmt.Errorf("mongo: %s: id %q twice in one append: %w", op, id, persistence.ErrConflict)
	}
	ctx, cancel, err := in.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	return in.s.insertAll(ctx, op, in.s.inbox, docs, ids)
}

// MarkProcessed updates at most MaxDocsPerUpdate entries per command: the engine marks
// whole replay pages at once, and one larger update hangs FerretDB for good.
func (in inbox) MarkProcessed(ctx context.Context, ids []string) error {
	const op = "mark processed"
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel, err := in.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "processed", Value: true}}}}
	for chunk := range slices.Chunk(ids, persistence.MaxDocsPerUpdate) {
		filter := bson.D{
			{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}},
			{Key: "processed", Value: false},
		}
		if _, err := in.s.inbox.UpdateMany(ctx, filter, set); err != nil {
			return in.s.fail(op, err)
		}
	}
	return nil
}

func (in inbox) Pending(ctx context.Context, afterID string, limit int) ([]persistence.InboxEntry, error) {
	filter := bson.D{
		{Key: "processed", Value: false},
		{Key: "_id", Value: bson.D{{Key: "$gt", Value: afterID}}},
	}
	return afterPage[persistence.InboxEntry](ctx, in.s, "pending inbox", in.s.inbox, filter, limit)
}

// DeadLetter inserts unordered and ignores duplicate ids: processing that crashed and
// re-ran stores the same letters again, and the first copy is the one to keep.
func (in inbox) DeadLetter(ctx context.Context, letters []persistence.DeadLetter) error {
	const op = "dead letter"
	if len(letters) == 0 {
		return nil
	}
	ctx, cancel, err := in.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	docs := make([]any, len(letters))
	for i, l := range letters {
		docs[i] = l
	}
	_, err = in.s.deadLetters.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if onlyDuplicates(err) {
		return nil
	}
	return in.s.fail(op, err)
}

// onlyDuplicates reports whether err is a bulk write error made only of duplicate keys.
func onlyDuplicates(err error) bool {
	var bwe mongodrv.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !mongodrv.IsDuplicateKeyError(mongodrv.WriteException{WriteErrors: mongodrv.WriteErrors{we.WriteError}}) {
			return false
		}
	}
	return true
}

func (in inbox) DeadLetters(ctx context.Context, afterID string, limit int) ([]persistence.DeadLetter, error) {
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: afterID}}}}
	return afterPage[persistence.DeadLetter](ctx, in.s, "dead letters", in.s.deadLetters, filter, limit)
}

// afterPage returns up to limit documents matching filter in _id order.
func afterPage[T any](ctx context.Context, s *Store, op string, col collection, filter bson.D, limit int) ([]T, error) {
	if limit < 1 {
		return nil, nil
	}
	ctx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit))
	out, err := findAll[T](ctx, col, filter, opts)
	return out, s.fail(op, err)
}
