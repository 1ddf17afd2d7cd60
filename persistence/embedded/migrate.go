package embedded

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// moveOutbox moves outbox rows that data directories written before the outbox had its own
// file keep in the main file. Rows are copied first (an id already in the outbox file is
// left alone, so a copy interrupted by a crash simply runs again), then the old buckets are
// dropped: nothing acknowledged is lost across the upgrade.
func moveOutbox(main, outbox *bolt.DB) error {
	var rows, index [][2][]byte
	old := false
	err := main.View(func(tx *bolt.Tx) error {
		for _, b := range []struct {
			name string
			into *[][2][]byte
		}{{bucketOutbox, &rows}, {bucketOutboxByState, &index}} {
			bk := tx.Bucket([]byte(b.name))
			if bk == nil {
				continue
			}
			old = true
			if err := bk.ForEach(func(k, v []byte) error {
				*b.into = append(*b.into, [2][]byte{append([]byte(nil), k...), append([]byte(nil), v...)})
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: read outbox rows to move: %w", err)
	}
	if !old {
		return nil
	}
	if len(rows) > 0 || len(index) > 0 {
		err = outbox.Update(func(tx *bolt.Tx) error {
			all, byState := tx.Bucket([]byte(bucketOutbox)), tx.Bucket([]byte(bucketOutboxByState))
			moved := map[string]bool{}
			for _, r := range rows {
				if all.Get(r[0]) != nil {
					continue // copied by an earlier, interrupted move
				}
				moved[string(r[0])] = true
				if err := all.Put(r[0], r[1]); err != nil {
					return err
				}
			}
			for _, r := range index {
				if !moved[stateKeyID(r[0])] {
					continue
				}
				if err := byState.Put(r[0], r[1]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("embedded: move outbox rows to %s: %w", OutboxFileName, err)
		}
	}
	err = main.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketOutbox, bucketOutboxByState} {
			if tx.Bucket([]byte(name)) == nil {
				continue
			}
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: drop moved outbox buckets: %w", err)
	}
	return nil
}

// stateKeyID recovers the id from a stateKey: tenantID, sep, state, sep, then an orderKey.
func stateKeyID(k []byte) string {
	seps := 0
	for i, c := range k {
		if c == sep {
			if seps++; seps == 2 {
				return orderKeyID(k[i+1:])
			}
		}
	}
	return ""
}
