package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// Commit writes the buckets, then the snapshot, under the snapshot's fence for this version
// and only once the stored snapshot is the one snap follows. Without transactions a crash may
// leave buckets written and the snapshot not: they are this activation's newer data, which
// the next one cuts to the snapshot's count, and never counted before they are stored. An
// out-of-date writer (a stale activation, elsewhere, of a version already stored) is refused
// before it touches a bucket: its buckets would replace the live activation's, and the
// stored snapshot would count messages no bucket holds any more.
func (sn snapshots) Commit(ctx context.Context, snap persistence.Snapshot, bs []persistence.Bucket) error {
	if len(bs) == 0 {
		return sn.Save(ctx, snap)
	}
	const op = "commit snapshot"
	if snap.Version == 0 {
		return fmt.Errorf("mongo: %s %s/%s: version 0: %w", op, snap.Kind, snap.Identity, persistence.ErrVersionConflict)
	}
	ctx, cancel, err := sn.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	id := snapshotID(snap.Kind, snap.Identity)
	commit := func(ctx context.Context) error {
		if err := sn.follows(ctx, id, snap.Version); err != nil {
			return err
		}
		if err := (buckets{sn.s}).Put(ctx, bs); err != nil {
			return err
		}
		return sn.write(ctx, id, snap)
	}
	if snap.Version == 1 {
		// Unfenced, as Save's version 1: the snapshot's unique _id decides, and a process
		// killed inside a fenced first commit would leave a fence that kept the conversation
		// from being created at all for the fence's lease (a minute). Only two first
		// activations racing each other could then both write buckets, which a single member
		// never runs; an out-of-date writer is still refused by follows.
		return sn.s.fail(op, commit(ctx))
	}
	return sn.s.fail(op, sn.s.fenced(ctx, snapshotFence(id, snap.Version), commit))
}

// follows checks that a snapshot of version v may be written next: the stored one is v-1,
// or none is stored and v is 1.
func (sn snapshots) follows(ctx context.Context, id string, v uint64) error {
	var cur snapshotDoc
	err := sn.s.snapshots.FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&cur)
	switch {
	case errors.Is(err, mongodrv.ErrNoDocuments):
		if v != 1 {
			return fmt.Errorf("%s: version %d with nothing stored: %w", id, v, persistence.ErrVersionConflict)
		}
		return nil
	case err != nil:
		return err
	case cur.Version != v-1:
		return fmt.Errorf("%s: version %d does not follow the stored %d: %w", id, v, cur.Version, persistence.ErrVersionConflict)
	}
	return nil
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
