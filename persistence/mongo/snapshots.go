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
	switch snap.Version {
	case 0:
		return fmt.Errorf("mongo: %s %s: version 0: %w", op, id, persistence.ErrVersionConflict)
	case 1:
		return sn.s.fail(op, sn.write(ctx, id, snap)) // the unique _id decides
	}
	err = sn.s.fenced(ctx, snapshotFence(id, snap.Version), func(ctx context.Context) error {
		return sn.write(ctx, id, snap)
	})
	return sn.s.fail(op, err)
}

// snapshotFence names the fence of one version of a snapshot.
func snapshotFence(id string, v uint64) string { return fmt.Sprintf("%s/%s#%d", colSnapshots, id, v) }

// write stores snap as the version after the stored one: version 1 only if none is stored,
// any other only over version-1; otherwise ErrVersionConflict.
func (sn snapshots) write(ctx context.Context, id string, snap persistence.Snapshot) error {
	doc := snapshotDoc{ID: id, Snapshot: snap}
	if snap.Version == 1 {
		_, err := sn.s.snapshots.InsertOne(ctx, doc)
		if isDuplicate(err) {
			return fmt.Errorf("%s: version 1 exists: %w", id, persistence.ErrVersionConflict)
		}
		return err
	}
	res, err := sn.s.snapshots.ReplaceOne(ctx, append(byID(id), byVersion(snap.Version-1)...), doc)
	if err == nil && res.MatchedCount == 0 {
		err = fmt.Errorf("%s: version %d does not follow the stored version: %w", id, snap.Version, persistence.ErrVersionConflict)
	}
	return err
}
