package mongo

import (
	"context"
	"fmt"

	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/switchboard/switchboard/persistence"
)

// buckets implements persistence.Buckets.
type buckets struct{ s *Store }

type bucketDoc struct {
	ID                 string `bson:"_id"`
	persistence.Bucket `bson:",inline"`
}

// bucketID zero-pads seq so a conversation's buckets sort in seq order by _id.
func bucketID(conversation string, seq int) string {
	return fmt.Sprintf("%s/%010d", conversation, seq)
}

// Put upserts with replace-by-_id models, in bulk writes of at most MaxDocsPerUpdate.
func (bk buckets) Put(ctx context.Context, bs []persistence.Bucket) error {
	if len(bs) == 0 {
		return nil
	}
	ctx, cancel, err := bk.s.begin(ctx, "put buckets")
	if err != nil {
		return err
	}
	defer cancel()
	models := make([]mongodrv.WriteModel, len(bs))
	for i, b := range bs {
		// MongoDB keeps whole buckets: one document each, rewritten whole.
		if b.Parts != nil {
			b.Data, b.Count, b.Parts, b.Changed = b.Array(), len(b.Parts), nil, nil
		}
		id := bucketID(b.Conversation, b.Seq)
		models[i] = mongodrv.NewReplaceOneModel().SetFilter(byID(id)).
			SetReplacement(bucketDoc{ID: id, Bucket: b}).SetUpsert(true)
	}
	return bk.s.fail("put buckets", bulkWrite(ctx, bk.s.buckets, models))
}

func (bk buckets) Get(ctx context.Context, conversation string, seq int) (persistence.Bucket, error) {
	doc, err := findOne[bucketDoc](ctx, bk.s, "get bucket", bk.s.buckets, byID(bucketID(conversation, seq)))
	return doc.Bucket, err
}
