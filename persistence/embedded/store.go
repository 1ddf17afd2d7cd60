package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/switchboard/switchboard/persistence"
)

// File names Open creates inside the data directory. bbolt runs one write transaction at a
// time per file, and a transaction's cost is mostly CPU on one goroutine (page copies,
// encoding) plus its fsyncs, so each hot write path has a file of its own and the three
// commit in parallel: a webhook's acknowledgement (inbox) never queues behind conversations
// committing their message buckets (main), nor either behind the sender's outbox
// transitions (outbox).
const (
	FileName       = "switchboard.db"
	InboxFileName  = "inbox.db"
	OutboxFileName = "outbox.db"
)

// lockTimeout bounds how long Open waits for another process to release the data directory.
// bbolt would otherwise block forever, which looks like a hung start rather than the
// configuration mistake it is.
const lockTimeout = time.Second

// Store is the bbolt backend. It is safe for concurrent use.
type Store struct {
	main   file // directory, snapshots, message buckets
	inbox  file
	outbox file
	closed atomic.Bool
	// Where the retention prunes go on from (prune.go).
	inboxPrune, outboxPrune pruneCursor
}

// file is one bbolt file, its journal, and the committer that group-commits its writes.
type file struct {
	db    *bolt.DB
	j     *journal
	group *committer
}

func (f file) close() error {
	if f.db == nil {
		return nil
	}
	return errors.Join(f.group.shutdown(), f.j.close(), f.db.Close())
}

// journalName is the journal file beside a bbolt file.
func journalName(name string) string { return name + ".journal" }

var _ persistence.Store = (*Store)(nil)

// Open creates dir if needed and opens the store's files in it, replaying each file's
// journal (writes acknowledged since its last checkpoint, if the process died). If another
// process holds the directory, Open fails after about a second with an error saying so
// (wrapping persistence.ErrUnavailable).
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded: create data directory: %w", err)
	}
	var files []file
	fail := func(err error) (*Store, error) {
		for _, f := range files {
			_ = f.j.close()
			_ = f.db.Close()
		}
		return nil, err
	}
	var gens []uint64
	for _, f := range []struct {
		name    string
		buckets []string
	}{{FileName, stateBuckets()}, {InboxFileName, inboxBuckets()}, {OutboxFileName, outboxBuckets()}} {
		db, err := openFile(dir, f.name, f.buckets)
		if err != nil {
			return fail(err)
		}
		j, err := openJournal(filepath.Join(dir, journalName(f.name)))
		if err != nil {
			_ = db.Close()
			return fail(err)
		}
		files = append(files, file{db: db, j: j})
		gen, _, err := recoverFile(db, j)
		if err != nil {
			return fail(err)
		}
		gens = append(gens, gen)
	}
	// The files may have just been created: their directory entries must be durable before
	// any write in them is acknowledged, or a power loss could take a journal whose records
	// were fdatasynced (POSIX leaves a new name to the directory's own sync).
	if err := syncDir(dir); err != nil {
		return fail(err)
	}
	if err := moveOutbox(files[0].db, files[2].db); err != nil {
		return fail(err)
	}
	for i, name := range []string{FileName, InboxFileName, OutboxFileName} {
		every, bound := checkpointEvery, int64(ackCheckpointBytes)
		if name == FileName {
			every, bound = stateCheckpointEvery, checkpointBytes
		}
		files[i].group = newCommitter(name, files[i].db, files[i].j, gens[i], every, bound)
	}
	return &Store{main: files[0], inbox: files[1], outbox: files[2]}, nil
}

// syncDir makes dir's entries (files created in it) durable, and dir's own entry in its
// parent, which MkdirAll may have just created.
func syncDir(dir string) error {
	for _, d := range []string{dir, filepath.Dir(filepath.Clean(dir))} {
		f, err := os.Open(d)
		if err != nil {
			return fmt.Errorf("embedded: open directory %s to sync it: %w", d, err)
		}
		err = f.Sync()
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("embedded: sync directory %s: %w", d, err)
		}
	}
	return nil
}

// openFile opens one bbolt file and creates its buckets.
func openFile(dir, name string, buckets []string) (*bolt.DB, error) {
	path := filepath.Join(dir, name)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: lockTimeout,
		// The hashmap freelist keeps page allocation cheap as the inbox grows large, and it is
		// not written on every commit (bbolt rebuilds it by scanning at open): fewer pages
		// per transaction, and transactions are what webhook acknowledgements wait for.
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: true,
		// Growing the file remaps it, which stalls every transaction; start large enough
		// that a busy node does not remap in its first gigabyte.
		InitialMmapSize: 1 << 30,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("embedded: data directory %s is in use by another process "+
			"(could not lock %s within %s): %w", dir, path, lockTimeout, persistence.ErrUnavailable)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range buckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("embedded: create buckets in %s: %w", path, err)
	}
	return db, nil
}

func (s *Store) Directory() persistence.Directory { return directory{s} }
func (s *Store) Snapshots() persistence.Snapshots { return snapshots{s} }
func (s *Store) Buckets() persistence.Buckets     { return buckets{s} }
func (s *Store) Inbox() persistence.Inbox         { return inbox{s} }
func (s *Store) Outbox() persistence.Outbox       { return outbox{s} }

// Backend names this implementation for health reports.
func (s *Store) Backend() string { return "embedded" }

// Ping proves every file still takes operations (a file whose journal failed does not).
func (s *Store) Ping(ctx context.Context) error {
	for _, f := range []file{s.main, s.inbox, s.outbox} {
		if err := s.viewIn(f, ctx, "ping", func(*txn) error { return nil }); err != nil {
			return err
		}
	}
	return nil
}

// Flush checkpoints every file. Every acknowledged write is already durable in a journal;
// this moves them into the bbolt files, so a restart has nothing to replay.
func (s *Store) Flush(ctx context.Context) error {
	if err := s.check(ctx, "flush"); err != nil {
		return err
	}
	for _, f := range []file{s.main, s.inbox, s.outbox} {
		if err := f.group.flush(); err != nil {
			return s.wrap("flush "+f.db.Path(), err)
		}
	}
	return nil
}

// Close checkpoints each file and releases its lock; writes still queued fail with
// ErrUnavailable instead of committing.
func (s *Store) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return fmt.Errorf("embedded: close: already closed: %w", persistence.ErrUnavailable)
	}
	err := errors.Join(s.main.close(), s.inbox.close(), s.outbox.close())
	if err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	return nil
}
