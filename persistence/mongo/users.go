package mongo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// directory implements persistence.Directory; users live here, tenants in tenants.go.
type directory struct{ s *Store }

// byID is the filter every by-key read and write uses.
func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// CreateUser relies on _id and the unique email index for both conflicts; the email is
// lower-cased here so the index compares what UserByEmail will look up.
func (d directory) CreateUser(ctx context.Context, u persistence.User) error {
	ctx, cancel, err := d.s.begin(ctx, "create user")
	if err != nil {
		return err
	}
	defer cancel()
	u.Email = strings.ToLower(u.Email)
	_, err = d.s.users.InsertOne(ctx, u)
	return d.s.fail("create user", err)
}

func (d directory) UserByID(ctx context.Context, id string) (persistence.User, error) {
	return findOne[persistence.User](ctx, d.s, "user by id", d.s.users, byID(id))
}

func (d directory) SetPassword(ctx context.Context, userID, passwordHash string, at time.Time) error {
	const op = "set password"
	ctx, cancel, err := d.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	res, err := d.s.users.UpdateOne(ctx, byID(userID), bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "passwordHash", Value: passwordHash}, {Key: "updatedAt", Value: at.UTC()}, {Key: "passwordChangedAt", Value: at.UTC()}}},
		// A new password: tokens name its own hash.
		{Key: "$unset", Value: bson.D{{Key: "passwordTag", Value: ""}}},
	})
	if err == nil && res.MatchedCount == 0 {
		err = fmt.Errorf("user %q: %w", userID, persistence.ErrNotFound)
	}
	return d.s.fail(op, err)
}

// RehashPassword filters on the old hash too: one conditional update, so a password changed
// since oldHash was read (by another process or node) is left alone.
func (d directory) RehashPassword(ctx context.Context, userID, oldHash, newHash, tag string, at time.Time) (bool, error) {
	const op = "rehash password"
	ctx, cancel, err := d.s.begin(ctx, op)
	if err != nil {
		return false, err
	}
	defer cancel()
	res, err := d.s.users.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: userID}, {Key: "passwordHash", Value: oldHash}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "passwordHash", Value: newHash}, {Key: "passwordTag", Value: tag}, {Key: "updatedAt", Value: at.UTC()}}}})
	if err != nil {
		return false, d.s.fail(op, err)
	}
	return res.MatchedCount > 0, nil
}

func (d directory) UserByEmail(ctx context.Context, email string) (persistence.User, error) {
	return findOne[persistence.User](ctx, d.s, "user by email", d.s.users,
		bson.D{{Key: "email", Value: strings.ToLower(email)}})
}

func (d directory) ListUsers(ctx context.Context, tenantID string, p persistence.Page) ([]persistence.User, int, error) {
	filter := bson.D{}
	if tenantID != "" {
		filter = bson.D{{Key: "tenantId", Value: tenantID}}
	}
	return listPage[persistence.User](ctx, d.s, "list users", d.s.users, filter, p)
}

// oldestFirst is the listings' order; _id breaks ties between equal creation times.
func oldestFirst() bson.D { return bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}} }

// listPage returns one page of col matching filter, oldest first, and the number of matches.
func listPage[T any](ctx context.Context, s *Store, op string, col collection, filter bson.D, p persistence.Page) ([]T, int, error) {
	ctx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return nil, 0, err
	}
	defer cancel()
	total, err := col.CountDocuments(ctx, filter)
	if err != nil {
		return nil, 0, s.fail(op, err)
	}
	opts := options.Find().SetSort(oldestFirst()).SetSkip(int64(p.Skip())).SetLimit(int64(clampLimit(p.Limit)))
	items, err := findAll[T](ctx, col, filter, opts)
	if err != nil {
		return nil, 0, s.fail(op, err)
	}
	return items, int(total), nil
}

// clampLimit keeps a page size within the 1..100 that persistence.Page documents.
func clampLimit(n int) int {
	return min(max(n, 1), 100)
}
