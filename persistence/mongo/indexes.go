package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// IndexBuildTimeout bounds creating the indexes at start.
const IndexBuildTimeout = 10 * time.Minute

// createIndexes makes the indexes at start; creating an existing index is a no-op, so every
// node may run it on every start. Only the unique email index carries meaning (FerretDB enforces unique
// indexes); the others let real MongoDB answer the listings without a scan, and FerretDB
// scans whatever we do.
func (s *Store) createIndexes(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("mongo: create indexes: store is closed: %w", persistence.ErrUnavailable)
	}
	// Not the 10 s of an ordinary call (DefaultTimeout, which the driver sends as maxTimeMS):
	// building a new index over a large collection takes longer, and a build the server
	// stops at 10 s would fail every start. The caller's own deadline, if sooner, still holds.
	ctx, cancel := context.WithTimeout(ctx, IndexBuildTimeout)
	defer cancel()
	indexes := []struct {
		col    *mongodrv.Collection
		models []mongodrv.IndexModel
	}{
		{s.users, []mongodrv.IndexModel{
			{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true).SetName("email_unique")},
			{Keys: bson.D{{Key: "tenantId", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}},
			{Keys: bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}},
		}},
		{s.tenants, []mongodrv.IndexModel{
			{Keys: bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}},
		}},
		// An identity's newest version (Load, a commit's check) and a range of identities (List).
		{s.snapshots, []mongodrv.IndexModel{
			{Keys: bson.D{{Key: "kind", Value: 1}, {Key: "identity", Value: 1}, {Key: "version", Value: -1}}},
		}},
		{s.inbox, []mongodrv.IndexModel{
			{Keys: bson.D{{Key: "processed", Value: 1}, {Key: "_id", Value: 1}}},
		}},
		{s.outbox, []mongodrv.IndexModel{
			{Keys: bson.D{{Key: "tenantId", Value: 1}, {Key: "state", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}},
		}},
	}
	// One index per command: FerretDB 1.24 drops the connection when one createIndexes
	// names two or more indexes that all exist already, which is every start but the first.
	for _, ix := range indexes {
		for _, m := range ix.models {
			if _, err := ix.col.Indexes().CreateOne(ctx, m); err != nil {
				return s.fail("create index on "+ix.col.Name(), err)
			}
		}
	}
	return nil
}
