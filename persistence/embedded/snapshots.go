package embedded

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

type snapshots struct{ s *Store }

func (sn snapshots) Load(ctx context.Context, kind, identity string) (persistence.Snapshot, error) {
	var snap persistence.Snapshot
	err := sn.s.view(ctx, "load snapshot", func(tx *txn) error {
		v := bucket(tx, bucketSnapshots).Get(snapshotKey(kind, identity))
		if v == nil {
			return fmt.Errorf("snapshot %s/%s: %w", kind, identity, persistence.ErrNotFound)
		}
		var err error
		snap, err = decodeSnapshot(v)
		return err
	})
	return snap, err
}

// Save compares and writes inside one transaction, which is all the fencing needs here: bbolt
// has a single writer, so no other save can slip between the check and the put.
func (sn snapshots) Save(ctx context.Context, snap persistence.Snapshot) error {
	snap.UpdatedAt = snap.UpdatedAt.UTC()
	val := encodeSnapshot(snap)
	key := snapshotKey(snap.Kind, snap.Identity)
	return sn.s.batch(ctx, "save snapshot", func(tx *txn) error {
		b := bucket(tx, bucketSnapshots)
		if err := checkVersion(b, key, snap); err != nil {
			return err
		}
		return b.Put(key, val)
	})
}
