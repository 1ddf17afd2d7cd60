package embedded

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// viewRaw runs fn on a file's bbolt transaction as its committer sees it: every
// acknowledged write, checkpointed or not.
func viewRaw(f file, fn func(*bolt.Tx) error) error {
	return f.group.read(func(t *txn) error { return fn(t.tx) })
}

// testFile is a bbolt file with bucket "b" and its journal, recovered as Open does.
func testFile(t *testing.T, dir string) (*bolt.DB, *journal, uint64) {
	t.Helper()
	db, err := openFile(dir, "g.db", []string{"b", bucketJournal})
	if err != nil {
		t.Fatal(err)
	}
	j, err := openJournal(filepath.Join(dir, "g.db.journal"))
	if err != nil {
		t.Fatal(err)
	}
	gen, _, err := recoverFile(db, j)
	if err != nil {
		t.Fatal(err)
	}
	return db, j, gen
}

// reopen opens the file again as Open would (replaying its journal), runs check on bucket "b"
// and closes it; it returns the generation the recovery started.
func reopen(t *testing.T, dir string, check func(b *bolt.Bucket)) uint64 {
	t.Helper()
	db, j, gen := testFile(t, dir)
	defer db.Close()
	defer j.close()
	_ = db.View(func(tx *bolt.Tx) error { check(tx.Bucket([]byte("b"))); return nil })
	return gen
}

func putOp(k, v string) groupOp {
	return groupOp{done: make(chan error, 1), fn: func(tx *txn) error { return bucket(tx, "b").Put([]byte(k), []byte(v)) }}
}

// One refused write in a group gets its error and leaves no trace, even of what it wrote
// before failing; its neighbours commit together, in one journal record. A crash before
// any checkpoint loses none of them: the journal replays them at the next open.
func TestCommitterUndoesARefusedWriteAndReplaysTheRest(t *testing.T) {
	dir := t.TempDir()
	db, j, gen := testFile(t, dir)
	c := &committer{name: "g.db", db: db, j: j, gen: gen}
	refused := errors.New("refused")
	bad := groupOp{done: make(chan error, 1), fn: func(tx *txn) error {
		b := bucket(tx, "b")
		if err := b.Put([]byte("a"), []byte("overwritten")); err != nil {
			return err
		}
		if err := b.Put([]byte("bad"), []byte("x")); err != nil {
			return err
		}
		return refused
	}}
	group := []groupOp{putOp("a", "1"), bad, putOp("c", "3"), putOp("d", "4")}
	c.run(group)
	for i, op := range group {
		if err := <-op.done; (i == 1) != errors.Is(err, refused) {
			t.Errorf("op %d: err = %v", i, err)
		}
	}
	check := func(what string, b *bolt.Bucket) {
		t.Helper()
		for k, want := range map[string]string{"a": "1", "c": "3", "d": "4"} {
			if got := b.Get([]byte(k)); !bytes.Equal(got, []byte(want)) {
				t.Errorf("%s: %s = %q, want %q", what, k, got, want)
			}
		}
		if b.Get([]byte("bad")) != nil {
			t.Errorf("%s: the refused write's own put survived", what)
		}
	}
	check("open transaction", c.tx.Bucket([]byte("b")))

	// The process dies: bbolt never committed, the journal holds the group.
	_ = c.tx.Rollback()
	_ = db.Close()
	_ = j.close()
	gen2 := reopen(t, dir, func(b *bolt.Bucket) { check("after replay", b) })
	if gen2 != gen+1 {
		t.Fatalf("generation after recovery %d, want %d", gen2, gen+1)
	}
}

// A checkpoint commits to bbolt and starts the journal over under the next generation; the
// older records still in the file are never replayed over the newer values.
func TestCheckpointStartsANewGeneration(t *testing.T) {
	dir := t.TempDir()
	db, j, gen := testFile(t, dir)
	c := &committer{name: "g.db", db: db, j: j, gen: gen}
	for _, v := range []string{"1", "2", "3"} {
		op := putOp("k", v)
		c.run([]groupOp{op})
		if err := <-op.done; err != nil {
			t.Fatal(err)
		}
	}
	if err := c.checkpoint(); err != nil {
		t.Fatal(err)
	}
	if c.gen != gen+1 || j.off != 0 {
		t.Fatalf("after a checkpoint: generation %d, journal at %d", c.gen, j.off)
	}
	// One write after the checkpoint overwrites the start of the first record only; the
	// old records behind it (k=2, k=3) must stay dead.
	op := putOp("other", "x")
	c.run([]groupOp{op})
	if err := <-op.done; err != nil {
		t.Fatal(err)
	}
	_ = c.tx.Rollback()
	_ = db.Close()
	_ = j.close()
	reopen(t, dir, func(b *bolt.Bucket) {
		if got := string(b.Get([]byte("k"))); got != "3" {
			t.Errorf("k = %q after replay, want 3 (the checkpointed value)", got)
		}
		if got := string(b.Get([]byte("other"))); got != "x" {
			t.Errorf("other = %q after replay, want x", got)
		}
	})
}

// A file with a byte bound checkpoints once its journal holds that much, however long the
// time rule would wait: what acknowledgements queue behind stays short however fast writes
// come (ackCheckpointBytes).
func TestJournalBoundCheckpointsEarly(t *testing.T) {
	dir := t.TempDir()
	db, j, gen := testFile(t, dir)
	c := &committer{name: "g.db", db: db, j: j, gen: gen, every: time.Hour, bound: 4 << 10}
	value := strings.Repeat("v", 1000)
	for i := range 10 {
		op := putOp(fmt.Sprintf("k%02d", i), value)
		c.run([]groupOp{op})
		if err := <-op.done; err != nil {
			t.Fatal(err)
		}
		c.maybeCheckpoint(time.Now())
	}
	if c.gen < gen+2 || j.off >= 4<<10 {
		t.Fatalf("after 10 KB under a 4 KB bound: generation %d (started at %d), journal at %d", c.gen, gen, j.off)
	}
	// What the checkpoints wrote is in bbolt's file itself, not only in the journal.
	_ = c.tx.Rollback()
	if err := db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("b")).Get([]byte("k07")); string(v) != value {
			return fmt.Errorf("k07 not checkpointed: %d bytes", len(v))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	_ = j.close()
}

// Replay stops at a torn record (its write was never acknowledged) and at records of
// another generation; a malformed entry inside a record that passed its CRC is an error.
func TestJournalReplayStopsAtATornOrForeignRecord(t *testing.T) {
	j, err := openJournal(filepath.Join(t.TempDir(), "j"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	rec := func(k string) []byte { return appendEntry(nil, opPut, "b", []byte(k), []byte("v")) }
	for _, k := range []string{"1", "2"} {
		if err := j.append(7, rec(k)); err != nil {
			t.Fatal(err)
		}
	}
	torn := j.off
	if err := j.append(7, rec("3")); err != nil {
		t.Fatal(err)
	}
	if err := j.append(6, rec("old")); err != nil {
		t.Fatal(err)
	}
	var seen []string
	collect := func(_ byte, _ string, key, _ []byte) error { seen = append(seen, string(key)); return nil }
	if n, err := j.replay(7, collect); err != nil || n != 3 || len(seen) != 3 {
		t.Fatalf("whole run: %d records, %v, %v", n, seen, err)
	}
	// Tear the third record: one flipped byte in its payload.
	if _, err := j.f.WriteAt([]byte{'X'}, torn+journalHeader+4); err != nil {
		t.Fatal(err)
	}
	seen = nil
	if n, err := j.replay(7, collect); err != nil || n != 2 || len(seen) != 2 {
		t.Fatalf("torn third: %d records, %v, %v", n, seen, err)
	}
	seen = nil
	if n, _ := j.replay(8, collect); n != 0 {
		t.Fatalf("a generation with no records replayed %d", n)
	}
	j.off = 0
	if err := j.append(9, []byte{opPut, 1, 'b'}); err != nil { // passes its CRC, entry cut short
		t.Fatal(err)
	}
	if _, err := j.replay(9, collect); !errors.Is(err, errBadEntry) {
		t.Fatalf("malformed entry: %v", err)
	}
	_ = os.Remove(j.f.Name())
}

// A group may hold a Flush and reads after it: the checkpoint commits the transaction, and
// the reads that follow it in the same group run in a new one and see every write.
func TestReadsAfterACheckpointInOneGroup(t *testing.T) {
	db, j, gen := testFile(t, t.TempDir())
	defer db.Close()
	defer j.close()
	c := &committer{name: "g.db", db: db, j: j, gen: gen}
	var seen []byte
	read := groupOp{read: true, done: make(chan error, 1), fn: func(tx *txn) error {
		seen = append([]byte(nil), bucket(tx, "b").Get([]byte("k"))...)
		return nil
	}}
	flush := groupOp{checkpoint: true, done: make(chan error, 1)}
	write := putOp("k", "v")
	c.run([]groupOp{write, flush, read})
	for i, op := range []groupOp{write, flush, read} {
		if err := <-op.done; err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
	}
	if string(seen) != "v" {
		t.Fatalf("read after the checkpoint saw %q", seen)
	}
	if c.tx != nil {
		_ = c.tx.Rollback()
	}
}

// A journal that cannot be written stops the file: the group's writes are not acknowledged,
// every later operation fails, and nothing in memory leaks into bbolt. After a restart the
// acknowledged writes are there and the refused one is not.
func TestAFailedJournalStopsTheFile(t *testing.T) {
	dir := t.TempDir()
	db, j, gen := testFile(t, dir)
	c := &committer{name: "g.db", db: db, j: j, gen: gen}
	ok := putOp("kept", "1")
	c.run([]groupOp{ok})
	if err := <-ok.done; err != nil {
		t.Fatal(err)
	}
	_ = j.f.Close() // the disk goes away
	lost := putOp("lost", "2")
	c.run([]groupOp{lost})
	if err := <-lost.done; err == nil {
		t.Fatal("a write whose journal record failed was acknowledged")
	}
	read := groupOp{read: true, done: make(chan error, 1), fn: func(*txn) error { return nil }}
	later := putOp("later", "3")
	c.run([]groupOp{later, read})
	if err := <-later.done; err == nil || err != c.broken {
		t.Fatalf("a write after the failure: %v", err)
	}
	if err := <-read.done; err == nil {
		t.Fatal("a read after the failure was served")
	}
	if err := c.checkpoint(); err == nil {
		t.Fatal("a stopped file checkpointed")
	}
	_ = db.Close()

	reopen(t, dir, func(b *bolt.Bucket) {
		if string(b.Get([]byte("kept"))) != "1" {
			t.Error("the acknowledged write is gone")
		}
		if b.Get([]byte("lost")) != nil || b.Get([]byte("later")) != nil {
			t.Error("a write that was never acknowledged is stored")
		}
	})
}

// Operations racing a shutdown are answered, never left waiting: each either runs or hears
// that the store is closing, including one that slips into the queue after the loop drained
// it (a select with room in the queue and stop closed picks either).
func TestOperationsRacingShutdownAreAnswered(t *testing.T) {
	for round := range 20 {
		db, j, gen := testFile(t, t.TempDir())
		c := newCommitter("g.db", db, j, gen, time.Hour, checkpointBytes)
		answered := make(chan error, 40)
		for i := range 40 {
			go func() { answered <- c.read(func(*txn) error { return nil }) }()
			if i == 20 {
				go func() { _ = c.shutdown() }()
			}
		}
		deadline := time.After(10 * time.Second)
		for i := range 40 {
			select {
			case err := <-answered:
				if err != nil && !errors.Is(err, errCommitterStopped) {
					t.Fatalf("round %d: %v", round, err)
				}
			case <-deadline:
				t.Fatalf("round %d: %d of 40 operations never answered", round, 40-i)
			}
		}
		_ = c.shutdown()
		_ = j.close()
		_ = db.Close()
	}
}
