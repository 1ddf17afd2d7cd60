package mongo

import (
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// bulkWrite sends models as unordered bulk writes of at most MaxDocsPerUpdate each: the driver
// would send them as one update command, and FerretDB hangs on one that touches more than
// about 40 existing documents.
func bulkWrite(ctx context.Context, col *mongodrv.Collection, models []mongodrv.WriteModel) error {
	for chunk := range slices.Chunk(models, persistence.MaxDocsPerUpdate) {
		if _, err := col.BulkWrite(ctx, chunk, options.BulkWrite().SetOrdered(false)); err != nil {
			return err
		}
	}
	return nil
}

// deleteIDs deletes the documents with these ids that also match filter (none: any),
// MaxDocsPerUpdate at a time (deletes are chunked like updates: FerretDB's limit is about
// documents touched per command), and returns how many it deleted.
func deleteIDs(ctx context.Context, col *mongodrv.Collection, ids []string, filter bson.D) (int, error) {
	deleted := 0
	for chunk := range slices.Chunk(ids, persistence.MaxDocsPerUpdate) {
		f := append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}}, filter...)
		res, err := col.DeleteMany(ctx, f)
		if err != nil {
			return deleted, err
		}
		deleted += int(res.DeletedCount)
	}
	return deleted, nil
}
