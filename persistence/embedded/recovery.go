package embedded

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// storeGen records gen as the file's journal generation, in the transaction that commits
// the pages it covers (a checkpoint, or the commit of a replay).
func storeGen(tx *bolt.Tx, gen uint64) error {
	var g [8]byte
	binary.BigEndian.PutUint64(g[:], gen)
	return tx.Bucket([]byte(bucketJournal)).Put(genKey, g[:])
}

// storedGen is the journal generation of the file's last checkpoint (0 for a file that has
// never had one: a new file, or one from before the journal).
func storedGen(tx *bolt.Tx) uint64 {
	v := tx.Bucket([]byte(bucketJournal)).Get(genKey)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// recoverFile replays the writes the journal acknowledged since the file's last checkpoint
// into bbolt and commits them with the next generation, which it returns: the committer
// journals under it, from the start of the file. It runs at Open, before anything else
// touches the file, and also after a clean shutdown (then there is nothing to replay).
func recoverFile(db *bolt.DB, j *journal) (gen uint64, records int, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		gen = storedGen(tx)
		if records, err = replayInto(tx, j, gen); err != nil {
			return err
		}
		gen++
		return storeGen(tx, gen)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("embedded: replay journal of %s: %w", db.Path(), err)
	}
	j.rewind(checkpointBytes)
	return gen, records, nil
}

// replayInto applies the journal's records of gen to tx.
func replayInto(tx *bolt.Tx, j *journal, gen uint64) (int, error) {
	return j.replay(gen, func(op byte, name string, key, value []byte) error {
		b := tx.Bucket([]byte(name))
		if b == nil {
			return fmt.Errorf("bucket %q does not exist", name)
		}
		b.FillPercent = fillPercent
		if op == opPut {
			return b.Put(key, value)
		}
		return b.Delete(key)
	})
}
