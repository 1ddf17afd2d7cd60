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
}

// file is one bbolt file and the committer that group-commits its writes.
type file struct {
	db    *bolt.DB
	group *committer
}

func newFile(db *bolt.DB) file { return file{db: db, group: newCommitter(db)} }

func (f file) close() error {
	if f.db == nil {
		return nil
	}
	f.group.shutdown()
	return f.db.Close()
}

var _ persistence.Store = (*Store)(nil)

// Open creates dir if needed and opens dir/switchboard.db. If another process holds the
// directory, Open fails after about a second with an error saying so (wrapping
// persistence.ErrUnavailable).
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded: create data directory: %w", err)
	}
	var dbs []*bolt.DB
	for _, f := range []struct {
		name    string
		buckets []string
	}{{FileName, stateBuckets()}, {InboxFileName, inboxBuckets()}, {OutboxFileName, outboxBuckets()}} {
		db, err := openFile(dir, f.name, f.buckets)
		if err != nil {
			for _, open := range dbs {
				_ = open.Close()
			}
			return nil, err
		}
		dbs = append(dbs, db)
	}
	if err := moveOutbox(dbs[0], dbs[2]); err != nil {
		for _, open := range dbs {
			_ = open.Close()
		}
		return nil, err
	}
	return &Store{main: newFile(dbs[0]), inbox: newFile(dbs[1]), outbox: newFile(dbs[2])}, nil
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

// Ping proves the file still takes a read transaction.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, "ping", func(*bolt.Tx) error { return nil })
}

// Flush is an fsync. Every committed transaction is already synced, so this only matters if
// that ever changes; it is cheap enough to keep the promise explicit.
func (s *Store) Flush(ctx context.Context) error {
	if err := s.check(ctx, "flush"); err != nil {
		return err
	}
	for _, f := range []file{s.main, s.inbox, s.outbox} {
		if err := f.db.Sync(); err != nil {
			return s.wrap("flush "+f.db.Path(), err)
		}
	}
	return nil
}

// Close releases the file lock. bbolt waits for open transactions to finish first; batched
// writes still waiting for their timer then fail with ErrUnavailable instead of committing.
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
