package embedded

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// txn is one operation's view of a file: the bbolt write transaction its committer keeps
// open between checkpoints (so it sees every acknowledged write), through which writes are
// recorded for the journal and, should the operation fail, undone. Reads get a txn without
// a recorder and may not write.
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
func (b *bkt) Get(key []byte) []byte { return b.b.Get(key) }

// Cursor walks the bucket in key order (reads only: writes go through Put and Delete).
func (b *bkt) Cursor() *bolt.Cursor { return b.b.Cursor() }

// Put stores value under key. bbolt keeps both slices until the checkpoint that writes
// them, so neither may change after the call.
func (b *bkt) Put(key, value []byte) error {
	if b.rec == nil {
		return errWriteInRead
	}
	if value == nil {
		value = []byte{} // bbolt stores nil as empty; the journal must say the same
	}
	b.rec.before(b, key)
	if err := b.b.Put(key, value); err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	b.rec.entries = appendEntry(b.rec.entries, opPut, b.name, key, value)
	return nil
}

// Delete removes key (nothing happens when it is absent).
func (b *bkt) Delete(key []byte) error {
	if b.rec == nil {
		return errWriteInRead
	}
	b.rec.before(b, key)
	if err := b.b.Delete(key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	b.rec.entries = appendEntry(b.rec.entries, opDelete, b.name, key, nil)
	return nil
}

// recorder collects a group's journal entries and the current operation's undo log.
type recorder struct {
	entries []byte
	mark    int // len(entries) when the current operation began
	undo    []undoEntry
}

// undoEntry restores one key as it was before the current operation wrote it.
type undoEntry struct {
	b       *bolt.Bucket
	key     []byte
	old     []byte
	existed bool
}

func (r *recorder) reset() { r.entries, r.mark, r.undo = r.entries[:0], 0, r.undo[:0] }

// begin starts an operation: its writes are undone by rollback, kept by keep.
func (r *recorder) begin() { r.mark, r.undo = len(r.entries), r.undo[:0] }

func (r *recorder) before(b *bkt, key []byte) {
	old := b.b.Get(key)
	u := undoEntry{b: b.b, key: append([]byte(nil), key...), existed: old != nil}
	if u.existed {
		u.old = append([]byte{}, old...)
	}
	r.undo = append(r.undo, u)
}

// keep ends an operation that succeeded.
func (r *recorder) keep() { r.undo = r.undo[:0] }

// rollback undoes the current operation's writes, newest first, and drops its entries. An
// operation that fails half-way (a refused conflict is checked before any write, but a put
// can fail) so leaves no trace, and its neighbours in the group commit without it.
func (r *recorder) rollback() error {
	for i := len(r.undo) - 1; i >= 0; i-- {
		u := r.undo[i]
		var err error
		if u.existed {
			err = u.b.Put(u.key, u.old)
		} else {
			err = u.b.Delete(u.key)
		}
		if err != nil {
			return fmt.Errorf("undo %q: %w", u.key, err)
		}
	}
	r.entries, r.undo = r.entries[:r.mark], r.undo[:0]
	return nil
}

// bucket returns the named bucket; Open created them all, so it is never missing.
func bucket(t *txn, name string) *bkt {
	b := t.tx.Bucket([]byte(name))
	b.FillPercent = fillPercent
	return &bkt{b: b, name: name, rec: t.rec}
}
