package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/switchboard/switchboard/persistence"
)

// DueTenants is one aggregation: the due rows grouped by tenant, in tenant order, cut at
// limit. FerretDB scans the outbox once for it (every query is a table scan there), instead
// of once per tenant; MongoDB reads it from the (tenantId, state, …) index. Only the tenant
// id goes on past the match (a row carries its Graph request), and the group has no
// accumulator: FerretDB 1.24 gets a second one wrong and supports few.
func (o outbox) DueTenants(ctx context.Context, now time.Time, after string, limit int) ([]string, error) {
	const op = "list due tenants"
	if limit < 1 {
		return nil, nil
	}
	ctx, cancel, err := o.s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	match := bson.D{
		{Key: "tenantId", Value: bson.D{{Key: "$gt", Value: after}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{persistence.OutboxSending, persistence.OutboxUnknown, persistence.OutboxRetryable}}}}},
			bson.D{{Key: "state", Value: persistence.OutboxQueued}, {Key: "nextAttemptAt", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}},
		}},
	}
	pipeline := bson.A{
		bson.D{{Key: "$match", Value: match}},
		bson.D{{Key: "$project", Value: bson.D{{Key: "_id", Value: 0}, {Key: "tenantId", Value: 1}}}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$tenantId"}}}},
		bson.D{{Key: "$sort", Value: bson.D{{Key: "_id", Value: 1}}}},
		bson.D{{Key: "$limit", Value: int64(limit)}},
	}
	cur, err := o.s.outbox.Aggregate(ctx, pipeline)
	if err != nil {
		return nil, o.s.fail(op, err)
	}
	var groups []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &groups); err != nil {
		return nil, o.s.fail(op, err)
	}
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.ID
	}
	return out, nil
}
