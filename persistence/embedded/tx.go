package embedded

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

// view runs fn, which only reads, against every acknowledged write of the main file.
func (s *Store) view(ctx context.Context, op string, fn func(*txn) error) error {
	return s.viewIn(s.main, ctx, op, fn)
}

// batch runs fn as one write of the main file, group-committed with concurrent callers (one
// journal write and fdatasync for all; see committer). What fn wrote never lands if it fails;
// fn may run more than once (committer.apply), so it must touch only the transaction.
func (s *Store) batch(ctx context.Context, op string, fn func(*txn) error) error {
	return s.batchIn(s.main, ctx, op, fn)
}

// batchIn is batch on one file.
func (s *Store) batchIn(f file, ctx context.Context, op string, fn func(*txn) error) error {
	if err := s.check(ctx, op); err != nil {
		return err
	}
	return s.settle(op, f.group.do(fn))
}

// settle words a committer's answer: a stopped committer is ErrUnavailable.
func (s *Store) settle(op string, err error) error {
	if errors.Is(err, errCommitterStopped) {
		return fmt.Errorf("embedded: %s: %w", op, persistence.ErrUnavailable)
	}
	return s.wrap(op, err)
}

// check refuses calls after Close and calls whose context is already done.
func (s *Store) check(ctx context.Context, op string) error {
	if s.closed.Load() {
		return fmt.Errorf("embedded: %s: store is closed: %w", op, persistence.ErrUnavailable)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embedded: %s: %w", op, err)
	}
	return nil
}

// wrap adds the operation to err. Errors fn returned on purpose (not found, conflicts) keep
// their sentinel; anything else came from bbolt or the disk (closed database, failed commit
// or fsync, corrupt value) and is reported as ErrUnavailable, so the edge answers 503 and
// Meta retries rather than the engine acking what it could not keep.
func (s *Store) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, persistence.ErrNotFound),
		errors.Is(err, persistence.ErrConflict),
		errors.Is(err, persistence.ErrVersionConflict):
		return fmt.Errorf("embedded: %s: %w", op, err)
	default:
		return fmt.Errorf("embedded: %s: %w: %w", op, persistence.ErrUnavailable, err)
	}
}

// inboxView and inboxBatch are view and batch on the inbox file; outboxView and
// outboxBatch on the outbox file.
func (s *Store) inboxView(ctx context.Context, op string, fn func(*txn) error) error {
	return s.viewIn(s.inbox, ctx, op, fn)
}

func (s *Store) inboxBatch(ctx context.Context, op string, fn func(*txn) error) error {
	return s.batchIn(s.inbox, ctx, op, fn)
}

func (s *Store) outboxView(ctx context.Context, op string, fn func(*txn) error) error {
	return s.viewIn(s.outbox, ctx, op, fn)
}

func (s *Store) outboxBatch(ctx context.Context, op string, fn func(*txn) error) error {
	return s.batchIn(s.outbox, ctx, op, fn)
}

func (s *Store) viewIn(f file, ctx context.Context, op string, fn func(*txn) error) error {
	if err := s.check(ctx, op); err != nil {
		return err
	}
	return s.settle(op, f.group.read(fn))
}
