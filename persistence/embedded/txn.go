package embedded

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// txn is one operation's view of a file: the bbolt write transaction its committer keeps
// open between checkpoints (so it sees every acknowledged write), through which writes are
// recorded for the journal. Reads get a txn without a recorder and may not write.
type txn struct {
	tx  *bolt.Tx
	rec *recorder
}

// bkt is a bbolt bucket whose writes go through the recorder.
type bkt struct {
	b    *bolt.Bucket
	name string
	rec  *recorder
}

var errWriteInRead = errors.New("write inside a read operation")

// Get returns the value under key or nil. The bytes belong to bbolt: valid until the
// operation returns, and never to be changed.
func (b bkt) Get(key []byte) []byte { return b.b.Get(key) }

// Cursor walks the bucket in key order (reads only: writes go through Put and Delete).
func (b bkt) Cursor() *bolt.Cursor { return b.b.Cursor() }

// Put stores value under key. bbolt copies the key but keeps the value itself until the
// checkpoint that writes it, so value may not change after the call.
func (b bkt) Put(key, value []byte) error {
	if b.rec == nil {
		return errWriteInRead
	}
	if value == nil {
		value = []byte{} // bbolt stores nil as empty; the journal must say the same
	}
	if err := b.b.Put(key, value); err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	b.rec.entries = appendEntry(b.rec.entries, opPut, b.name, key, value)
	return nil
}

// Delete removes key (nothing happens when it is absent).
func (b bkt) Delete(key []byte) error {
	if b.rec == nil {
		return errWriteInRead
	}
	if err := b.b.Delete(key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	b.rec.entries = appendEntry(b.rec.entries, opDelete, b.name, key, nil)
	return nil
}

// recorder collects a group's journal entries.
type recorder struct{ entries []byte }

// bucket returns the named bucket; Open created them all, so it is never missing. A value,
// not a pointer: a write touches two or three buckets, and each was an allocation.
func bucket(t *txn, name string) bkt {
	b := t.tx.Bucket([]byte(name))
	b.FillPercent = fillPercent
	return bkt{b: b, name: name, rec: t.rec}
}
