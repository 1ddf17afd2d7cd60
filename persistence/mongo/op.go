package mongo

import (
	"context"
	"errors"
	"fmt"

	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/switchboard/switchboard/persistence"
)

// begin starts operation op: it refuses calls after Close and gives ctx a deadline if it has
// none. The caller defers cancel.
func (s *Store) begin(ctx context.Context, op string) (context.Context, context.CancelFunc, error) {
	if s.closed.Load() {
		return ctx, func() {}, fmt.Errorf("mongo: %s: store is closed: %w", op, persistence.ErrUnavailable)
	}
	ctx, cancel := withDefaultTimeout(ctx)
	return ctx, cancel, nil
}

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

// fail maps a driver error to the persistence sentinels, with op as context: a missing
// document is ErrNotFound, a duplicate key ErrConflict, and anything that says the server
// could not be reached or did not answer in time is ErrUnavailable (the edge answers 503 and
// Meta retries). The driver error stays in the chain for errors.As.
func (s *Store) fail(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, persistence.ErrNotFound),
		errors.Is(err, persistence.ErrConflict),
		errors.Is(err, persistence.ErrVersionConflict),
		errors.Is(err, persistence.ErrUnavailable):
		return fmt.Errorf("mongo: %s: %w", op, err)
	case errors.Is(err, mongodrv.ErrNoDocuments):
		return fmt.Errorf("mongo: %s: %w", op, persistence.ErrNotFound)
	case mongodrv.IsDuplicateKeyError(err):
		return fmt.Errorf("mongo: %s: %w: %w", op, persistence.ErrConflict, err)
	case unavailable(err):
		return fmt.Errorf("mongo: %s: %w: %w", op, persistence.ErrUnavailable, err)
	default:
		return fmt.Errorf("mongo: %s: %w", op, err)
	}
}

func unavailable(err error) bool {
	var sel topology.ServerSelectionError
	return errors.Is(err, mongodrv.ErrClientDisconnected) ||
		mongodrv.IsTimeout(err) ||
		mongodrv.IsNetworkError(err) ||
		errors.As(err, &sel)
}

func isDuplicate(err error) bool { return mongodrv.IsDuplicateKeyError(err) }
