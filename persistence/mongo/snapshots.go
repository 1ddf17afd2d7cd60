package mongo

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

type snapshots struct{ s *Store }

// snapshotDoc is a snapshot under its key. Kinds are fixed names without "/", so
// kind + "/" + identity cannot collide even though identities contain "/".
type snapshotDoc struct {
	ID                   string `bson:"_id"`
	persistence.Snapshot `bson:",inline"`
}

func snapshotID(kind, identity string) string { return kind + "/" + identity }

func (sn snapshots) Load(ctx context.Context, kind, identity string) (persistence.Snapshot, error) {
	doc, err := findOne[snapshotDoc](ctx, sn.s, "load snapshot", sn.s.snapshots, byID(snapshotID(kind, identity)))
	return doc.Snapshot, err
}

// Save inserts the first version (the _id index refuses a second) and replaces later ones
// only over the version before them, under a fence (see fence.go).
func (sn snapshots) Save(ctx context.Context, snap persistence.Snapshot) error {
	const op = "save snapshot"
	ctx, cancel, err := sn.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	id := snapshotID(snap.Kind, snap.Identity)
	doc := snapshotDoc{ID: id, Snapshot: snap}
	switch snap.Version {
	case 0:
		return fmt.Errorf("mongo: %s %s: version 0: %w", op, id, persistence.ErrVersionConflict)
	case 1:
		_, err := sn.s.snapshots.InsertOne(ctx, doc)
		if isDuplicate(err) {
			return fmt.Errorf("mongo: %s %s: version 1 exists: %w", op, id, persistence.ErrVersionConflict)
		}
		return sn.s.fail(op, err)
	}
	err = sn.s.fenced(ctx, fmt.Sprintf("%s/%s#%d", colSnapshots, id, snap.Version), func(ctx context.Context) error {
		filter := append(byID(id), byVersion(snap.Version-1)...)
		res, err := sn.s.snapshots.ReplaceOne(ctx, filter, doc)
		if err == nil && res.MatchedCount == 0 {
			err = fmt.Errorf("%s: version %d does not follow the stored version: %w", id, snap.Version, persistence.ErrVersionConflict)
		}
		return err
	})
	return sn.s.fail(op, err)
}
