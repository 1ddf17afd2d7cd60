package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// Commit writes the buckets, then the fenced snapshot. Without transactions the buckets may
// land while the snapshot is refused; they are the same or newer data the next activation
// reconciles, and never counted by a snapshot before they are stored.
func (sn snapshots) Commit(ctx context.Context, snap persistence.Snapshot, bs []persistence.Bucket) error {
	if err := (buckets{sn.s}).Put(ctx, bs); err != nil {
		return fmt.Errorf("mongo: commit snapshot %s/%s: %w", snap.Kind, snap.Identity, err)
	}
	return sn.Save(ctx, snap)
}

// List reads a range of _id (kind/identity sorts by identity within a kind).
func (sn snapshots) List(ctx context.Context, kind, idPrefix, after string, limit int) ([]persistence.Snapshot, error) {
	const op = "list snapshots"
	if limit < 1 {
		return nil, nil
	}
	ctx, cancel, err := sn.s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	lower := bson.D{{Key: "$gte", Value: snapshotID(kind, idPrefix)}}
	if after != "" {
		lower = bson.D{{Key: "$gt", Value: snapshotID(kind, after)}}
	}
	// "\uffff" sorts after every character an identity holds.
	filter := bson.D{{Key: "_id", Value: append(lower, bson.E{Key: "$lt", Value: snapshotID(kind, idPrefix) + "\uffff"})}}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit))
	docs, err := findAll[snapshotDoc](ctx, sn.s.snapshots, filter, opts)
	if err != nil {
		return nil, sn.s.fail(op, err)
	}
	out := make([]persistence.Snapshot, len(docs))
	for i, d := range docs {
		out[i] = d.Snapshot
	}
	return out, nil
}
