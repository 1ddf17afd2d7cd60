package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// PruneProcessed deletes processed entries received before before, oldest first.
func (in inbox) PruneProcessed(ctx context.Context, before time.Time, limit int) (int, error) {
	filter := bson.D{
		{Key: "processed", Value: true},
		{Key: "receivedAt", Value: bson.D{{Key: "$lt", Value: before.UTC()}}},
	}
	return in.s.pruneOldest(ctx, "prune inbox", in.s.inbox, filter, limit)
}

// PruneSettled deletes settled (sent, failed, canceled) messages created before before,
// oldest first.
func (o outbox) PruneSettled(ctx context.Context, before time.Time, limit int) (int, error) {
	settled := bson.A{}
	for _, st := range persistence.SettledStates {
		settled = append(settled, string(st))
	}
	filter := bson.D{
		{Key: "state", Value: bson.D{{Key: "$in", Value: settled}}},
		{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: before.UTC()}}},
	}
	return o.s.pruneOldest(ctx, "prune outbox", o.s.outbox, filter, limit)
}

// pruneOldest deletes up to limit documents matching filter in _id order: it reads their
// ids, then deletes by id in chunks (FerretDB hangs on commands touching more documents; see
// deleteIDs). The delete repeats the filter: an outbox row may leave its final state between
// the two (sent → queued when Meta fails an accepted message with its own trouble, failed →
// queued when an Idempotency-Key repeat revives a withdrawn one, canceled → sent), and a
// pending row is never pruned. On MongoDB each document's delete checks it atomically.
func (s *Store) pruneOldest(ctx context.Context, op string, col collection, filter bson.D, limit int) (int, error) {
	if limit < 1 {
		return 0, nil
	}
	ctx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	defer cancel()
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "_id", Value: 1}})
	docs, err := findAll[struct {
		ID string `bson:"_id"`
	}](ctx, col, filter, opts)
	if err != nil {
		return 0, s.fail(op, err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	n, err := deleteIDs(ctx, col, ids, filter)
	if err != nil {
		return n, s.fail(op, err)
	}
	return n, nil
}
