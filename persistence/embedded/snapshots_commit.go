package embedded

import (
	"bytes"
	"context"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

// Commit writes the buckets and the fenced snapshot in one transaction, batched with
// concurrent commits of other conversations (one fsync for all of them).
func (sn snapshots) Commit(ctx context.Context, snap persistence.Snapshot, bs []persistence.Bucket) error {
	snap.UpdatedAt = snap.UpdatedAt.UTC()
	val := encodeSnapshot(snap)
	writes := make([]bucketWrite, len(bs))
	for i, b := range bs {
		writes[i] = prepareBucket(b)
	}
	key := snapshotKey(snap.Kind, snap.Identity)
	return sn.s.batch(ctx, "commit snapshot", func(tx *txn) error {
		if err := checkVersion(bucket(tx, bucketSnapshots), key, snap); err != nil {
			return err
		}
		bb := bucket(tx, bucketBuckets)
		for _, w := range writes {
			if err := w.apply(bb); err != nil {
				return err
			}
		}
		return bucket(tx, bucketSnapshots).Put(key, val)
	})
}

// checkVersion refuses snap unless it follows the stored version (or is the first).
func checkVersion(b bkt, key []byte, snap persistence.Snapshot) error {
	var stored struct{ Version uint64 }
	raw := b.Get(key)
	ok := raw != nil
	if ok {
		v, err := storedVersion(raw)
		if err != nil {
			return fmt.Errorf("snapshot %s/%s: %w", snap.Kind, snap.Identity, err)
		}
		stored.Version = v
	}
	switch {
	case !ok && snap.Version == 1, ok && stored.Version+1 == snap.Version:
		return nil
	case !ok:
		return fmt.Errorf("snapshot %s/%s: version %d but none stored: %w",
			snap.Kind, snap.Identity, snap.Version, persistence.ErrVersionConflict)
	default:
		return fmt.Errorf("snapshot %s/%s: version %d but %d stored: %w",
			snap.Kind, snap.Identity, snap.Version, stored.Version, persistence.ErrVersionConflict)
	}
}

// List walks the snapshot keys of kind from prefix with a cursor: a range read, no scan.
func (sn snapshots) List(ctx context.Context, kind, idPrefix, after string, limit int) ([]persistence.Snapshot, error) {
	var out []persistence.Snapshot
	if limit < 1 {
		return out, nil
	}
	start := snapshotKey(kind, idPrefix)
	from := start
	if after != "" {
		from = append(snapshotKey(kind, after), 0) // the first key after `after`
	}
	err := sn.s.view(ctx, "list snapshots", func(tx *txn) error {
		c := bucket(tx, bucketSnapshots).Cursor()
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, start) && len(out) < limit; k, v = c.Next() {
			snap, err := decodeSnapshot(v)
			if err != nil {
				return fmt.Errorf("decode snapshot at %q: %w", k, err)
			}
			out = append(out, snap)
		}
		return nil
	})
	return out, err
}
