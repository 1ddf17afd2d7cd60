package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/switchboard/switchboard/persistence"
)

// outbox implements persistence.Outbox.
type outbox struct{ s *Store }

// outboxDoc is a message with its revision, which grows by one on every transition. The
// interface's transitions are conditional on state, but a state comes back (sending →
// queued → sending), so the fence and the replace filter name the revision instead.
type outboxDoc struct {
	persistence.OutboxMessage `bson:",inline"`
	Rev                       int64 `bson:"rev"`
}

func (o outbox) Enqueue(ctx context.Context, msgs []persistence.OutboxMessage) error {
	const op = "enqueue"
	if len(msgs) == 0 {
		return nil
	}
	ids := make([]string, len(msgs))
	docs := make([]any, len(msgs))
	for i, m := range msgs {
		m.State = persistence.EnqueueState(m)
		ids[i], docs[i] = m.ID, outboxDoc{OutboxMessage: m}
	}
	if id, dup := duplicateID(ids); dup {
		return fmt.Errorf("mongo: %s: id %q twice in one enqueue: %w", op, id, persistence.ErrConflict)
	}
	ctx, cancel, err := o.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	return o.s.insertAll(ctx, op, o.s.outbox, docs, ids)
}

func (o outbox) Get(ctx context.Context, id string) (persistence.OutboxMessage, error) {
	return findOne[persistence.OutboxMessage](ctx, o.s, "get outbox message", o.s.outbox, byID(id))
}

// Transition replaces the message only over the revision it read, and only if that
// revision is in state from, under a fence (see fence.go): of two nodes racing to send one
// message, one moves it to sending and the other gets ErrVersionConflict.
func (o outbox) Transition(ctx context.Context, from persistence.OutboxState, m persistence.OutboxMessage) error {
	const op = "transition"
	ctx, cancel, err := o.s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	var cur outboxDoc
	err = o.s.outbox.FindOne(ctx, byID(m.ID), options.FindOne().SetProjection(bson.D{
		{Key: "state", Value: 1}, {Key: "rev", Value: 1},
	})).Decode(&cur)
	if errors.Is(err, mongodrv.ErrNoDocuments) {
		return fmt.Errorf("mongo: %s: outbox message %q: %w", op, m.ID, persistence.ErrNotFound)
	}
	if err != nil {
		return o.s.fail(op, err)
	}
	if cur.State != from {
		return fmt.Errorf("mongo: %s: outbox message %q is %s, not %s: %w", op, m.ID, cur.State, from, persistence.ErrVersionConflict)
	}
	err = o.s.fenced(ctx, outboxFence(m.ID, cur.Rev+1), func(ctx context.Context) error {
		filter := bson.D{{Key: "_id", Value: m.ID}, {Key: "rev", Value: cur.Rev}}
		res, err := o.s.outbox.ReplaceOne(ctx, filter, outboxDoc{OutboxMessage: m, Rev: cur.Rev + 1})
		if err == nil && res.MatchedCount == 0 {
			err = fmt.Errorf("outbox message %q changed since it was read in state %s: %w", m.ID, from, persistence.ErrVersionConflict)
		}
		return err
	})
	return o.s.fail(op, err)
}

// outboxFence names the fence of one revision of an outbox message.
func outboxFence(id string, rev int64) string { return fmt.Sprintf("%s/%s#%d", colOutbox, id, rev) }

func (o outbox) CountPending(ctx context.Context, tenantID string, limit int) (int, error) {
	const op = "count pending outbox"
	if limit < 1 {
		return 0, nil
	}
	ctx, cancel, err := o.s.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	defer cancel()
	pending := bson.A{}
	for _, st := range persistence.PendingStates {
		pending = append(pending, st)
	}
	filter := bson.D{{Key: "tenantId", Value: tenantID}, {Key: "state", Value: bson.D{{Key: "$in", Value: pending}}}}
	n, err := o.s.outbox.CountDocuments(ctx, filter, options.Count().SetLimit(int64(limit)))
	return int(n), o.s.fail(op, err)
}

func (o outbox) ListByState(ctx context.Context, tenantID string, state persistence.OutboxState, limit int) ([]persistence.OutboxMessage, error) {
	const op = "list outbox by state"
	if limit < 1 {
		return nil, nil
	}
	ctx, cancel, err := o.s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	filter := bson.D{{Key: "tenantId", Value: tenantID}, {Key: "state", Value: state}}
	out, err := findAll[persistence.OutboxMessage](ctx, o.s.outbox, filter,
		options.Find().SetSort(oldestFirst()).SetLimit(int64(limit)))
	return out, o.s.fail(op, err)
}
