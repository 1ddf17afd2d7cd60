package mongo

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/switchboard/switchboard/persistence"
)

const (
	// DefaultDatabase is used when neither the caller nor the URI names a database.
	DefaultDatabase = "switchboard"
	// DefaultTimeout bounds each operation whose context carries no deadline, so a wedged
	// server (FerretDB can wedge) turns into ErrUnavailable instead of a stuck goroutine.
	DefaultTimeout = 10 * time.Second

	connectTimeout         = 5 * time.Second
	serverSelectionTimeout = 5 * time.Second
)

// Collection names.
const (
	colUsers        = "users"
	colTenants      = "tenants"
	colPhoneNumbers = "tenant_phone_numbers"
	colSnapshots    = "snapshots"
	colBuckets      = "buckets"
	colInbox        = "inbox"
	colDeadLetters  = "dead_letters"
	colOutbox       = "outbox"
	colFences       = "fences"
)

// Store is the MongoDB backend. It is safe for concurrent use.
type Store struct {
	client *mongodrv.Client
	db     *mongodrv.Database
	closed atomic.Bool

	users, tenants, phoneNumbers *mongodrv.Collection
	snapshots, buckets           *mongodrv.Collection
	inbox, deadLetters, outbox   *mongodrv.Collection
	fences                       *mongodrv.Collection // see fence.go
	fenceLease                   time.Duration
}

// Options tune a Store; the zero value is the default of each.
type Options struct {
	// FenceLease is how long a fence left by a writer that died inside a conditional write
	// (fence.go) holds its document before the next writer breaks it; 0 is DefaultFenceLease,
	// a minute. Each fenced section then runs under at most half the lease, so a lease under
	// 2×DefaultTimeout also shortens every conditional write's deadline: meant for tests that
	// kill a process and should not wait a minute for what it held, not for production.
	FenceLease time.Duration
}

func (o Options) fenceLease() time.Duration {
	if o.FenceLease > 0 {
		return o.FenceLease
	}
	return DefaultFenceLease
}

var _ persistence.Store = (*Store)(nil)

// Open connects to uri, pings, and creates the indexes the store needs. database names the
// database; when it is "" the one in the URI path is used, and "switchboard" when the URI
// names none.
func Open(ctx context.Context, uri, database string) (*Store, error) {
	return open(ctx, uri, database, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, uri, database string, o Options) (*Store, error) {
	return open(ctx, uri, database, o)
}

// open is OpenWith with extra client options, applied last (tests add a command monitor).
func open(ctx context.Context, uri, database string, o Options, extra ...*options.ClientOptions) (*Store, error) {
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		return nil, fmt.Errorf("mongo: parse uri: %w", err)
	}
	if database == "" {
		database = cs.Database
	}
	if database == "" {
		database = DefaultDatabase
	}
	base := options.Client().
		ApplyURI(uri).
		SetConnectTimeout(connectTimeout).
		SetServerSelectionTimeout(serverSelectionTimeout)
	if !cs.WNumberSet && cs.WString == "" && !cs.JSet {
		base.SetWriteConcern(durable())
	}
	client, err := mongodrv.Connect(append([]*options.ClientOptions{base}, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	db := client.Database(database)
	s := &Store{
		client: client, db: db,
		users: db.Collection(colUsers), tenants: db.Collection(colTenants),
		phoneNumbers: db.Collection(colPhoneNumbers),
		snapshots:    db.Collection(colSnapshots), buckets: db.Collection(colBuckets),
		inbox: db.Collection(colInbox), deadLetters: db.Collection(colDeadLetters),
		outbox: db.Collection(colOutbox), fences: db.Collection(colFences),
		fenceLease: o.fenceLease(),
	}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	if err := s.createIndexes(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	return s, nil
}

// durable is the write concern every write asks for unless the URI names one: a majority of
// the members, each with the write in its on-disk journal. The engine acknowledges what these
// writes keep (a webhook's 200 waits for its inbox entry, a send's 202 for its outbox row),
// and with the server's default a standalone mongod ({w: 1}) answers once a write is in
// memory, up to a journal commit (100 ms) before a crash could no longer take it. On a
// replica set this is what MongoDB 5.0 and later default to anyway; FerretDB ignores it.
func durable() *writeconcern.WriteConcern {
	journal := true
	return &writeconcern.WriteConcern{W: writeconcern.WCMajority, Journal: &journal}
}

func (s *Store) Directory() persistence.Directory { return directory{s} }
func (s *Store) Snapshots() persistence.Snapshots { return snapshots{s} }
func (s *Store) Buckets() persistence.Buckets     { return buckets{s} }
func (s *Store) Inbox() persistence.Inbox         { return inbox{s} }
func (s *Store) Outbox() persistence.Outbox       { return outbox{s} }

// Backend names this implementation for health reports.
func (s *Store) Backend() string { return "mongodb" }

// Database names the database the store writes to: the caller's, the URI's or the default.
func (s *Store) Database() string { return s.db.Name() }

// Ping asks the primary, the member that takes the writes.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel, err := s.begin(ctx, "ping")
	if err != nil {
		return err
	}
	defer cancel()
	return s.fail("ping", s.client.Ping(ctx, readpref.Primary()))
}

// Flush has nothing to do: every write is acknowledged by the server before it returns, and
// the store buffers nothing of its own.
func (s *Store) Flush(ctx context.Context) error {
	_, cancel, err := s.begin(ctx, "flush")
	if err != nil {
		return err
	}
	cancel()
	return nil
}

// Close disconnects. Operations in flight finish or fail; later calls get ErrUnavailable.
func (s *Store) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return fmt.Errorf("mongo: close: already closed: %w", persistence.ErrUnavailable)
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongo: close: %w", err)
	}
	return nil
}
