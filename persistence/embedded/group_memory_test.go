package embedded

import (
	"bytes"
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A group far larger than usual (a burst of big webhooks: the webhook writer batches up to
// 512 bodies of up to 3 MiB in one append) is journaled without a second copy of its record,
// and the committer does not keep a buffer that size once it is done with it: only the
// group's own writes in the open transaction hold memory, until the checkpoint.
func TestABigGroupLeavesNoBigBuffersBehind(t *testing.T) {
	dir := t.TempDir()
	db, j, gen := testFile(t, dir)
	c := &committer{name: "g.db", db: db, j: j, gen: gen}
	big := bytes.Repeat([]byte("v"), 8<<20)
	var group []groupOp
	for i := range 4 {
		group = append(group, groupOp{done: make(chan error, 1), fn: func(tx *txn) error {
			return bucket(tx, "b").Put(fmt.Appendf(nil, "big%d", i), big)
		}})
	}
	c.run(group)
	for _, op := range group {
		if err := <-op.done; err != nil {
			t.Fatal(err)
		}
	}
	small := putOp("small", "1")
	c.run([]groupOp{small})
	if err := <-small.done; err != nil {
		t.Fatal(err)
	}
	if held := cap(c.rec.entries); held > retainedRecord {
		t.Fatalf("after a 32 MiB group the committer still holds a %d-byte journal buffer (bound %d)", held, retainedRecord)
	}
	_ = c.tx.Rollback()
	_ = db.Close()
	_ = j.close()
	reopen(t, dir, func(b *bolt.Bucket) {
		for i := range 4 {
			if got := b.Get(fmt.Appendf(nil, "big%d", i)); !bytes.Equal(got, big) {
				t.Errorf("big%d: %d bytes after replay", i, len(got))
			}
		}
		if string(b.Get([]byte("small"))) != "1" {
			t.Error("small lost after replay")
		}
	})
}
