package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type collection = *mongodrv.Collection

// findOne decodes the single document matching filter; no match is ErrNotFound.
func findOne[T any](ctx context.Context, s *Store, op string, col collection, filter bson.D) (T, error) {
	var v T
	ctx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return v, err
	}
	defer cancel()
	err = col.FindOne(ctx, filter).Decode(&v)
	return v, s.fail(op, err)
}

// findAll decodes every document the query returns.
func findAll[T any](ctx context.Context, col collection, filter bson.D, opts *options.FindOptionsBuilder) ([]T, error) {
	cur, err := col.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// byVersion matches a stored version; versions are stored as int64 (BSON has no uint64).
func byVersion(v uint64) bson.D { return bson.D{{Key: "version", Value: int64(v)}} }
