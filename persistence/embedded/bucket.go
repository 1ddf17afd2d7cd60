package embedded

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/persistence"
)

// buckets implements persistence.Buckets (message buckets, not bbolt buckets).
type buckets struct{ s *Store }

func (bk buckets) Put(ctx context.Context, bs []persistence.Bucket) error {
	if len(bs) == 0 {
		return nil
	}
	writes := make([]bucketWrite, len(bs))
	for i, b := range bs {
		writes[i] = prepareBucket(b)
	}
	return bk.s.batch(ctx, "put buckets", func(tx *txn) error {
		b := bucket(tx, bucketBuckets)
		for _, w := range writes {
			if err := w.apply(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func (bk buckets) Get(ctx context.Context, conversation string, seq int) (persistence.Bucket, error) {
	var out persistence.Bucket
	err := bk.s.view(ctx, "get bucket", func(tx *txn) error {
		b, ok, err := readBucket(bucket(tx, bucketBuckets), bucketKey(conversation, seq))
		if !ok {
			return fmt.Errorf("bucket %s/%d: %w", conversation, seq, persistence.ErrNotFound)
		}
		out = b
		return err
	})
	return out, err
}

// GetRange reads the buckets of [from, to) in one read transaction.
func (bk buckets) GetRange(ctx context.Context, conversation string, from, to int) ([]persistence.Bucket, error) {
	var out []persistence.Bucket
	err := bk.s.view(ctx, "get buckets", func(tx *txn) error {
		b := bucket(tx, bucketBuckets)
		for seq := max(0, from); seq < to; seq++ {
			got, ok, err := readBucket(b, bucketKey(conversation, seq))
			if err != nil {
				return fmt.Errorf("bucket %s/%d: %w", conversation, seq, err)
			}
			if ok {
				out = append(out, got)
			}
		}
		return nil
	})
	return out, err
}
