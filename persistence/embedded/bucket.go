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
	keys, vals := make([][]byte, len(bs)), make([][]byte, len(bs))
	for i, b := range bs {
		b.UpdatedAt = b.UpdatedAt.UTC()
		keys[i], vals[i] = bucketKey(b.Conversation, b.Seq), encodeBucket(b)
	}
	return bk.s.batch(ctx, "put buckets", func(tx *txn) error {
		b := bucket(tx, bucketBuckets)
		for i := range keys {
			if err := b.Put(keys[i], vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (bk buckets) Get(ctx context.Context, conversation string, seq int) (persistence.Bucket, error) {
	var b persistence.Bucket
	err := bk.s.view(ctx, "get bucket", func(tx *txn) error {
		v := bucket(tx, bucketBuckets).Get(bucketKey(conversation, seq))
		if v == nil {
			return fmt.Errorf("bucket %s/%d: %w", conversation, seq, persistence.ErrNotFound)
		}
		var err error
		b, err = decodeBucket(v)
		return err
	})
	return b, err
}
