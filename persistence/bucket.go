package persistence

import (
	"context"
	"time"
)

// Bucket holds a run of one conversation's messages, so a conversation is a few large
// documents rather than many small ones (FerretDB scans every collection it queries). The
// owning conversation actor is the only writer; Seq numbers a conversation's buckets from 0.
type Bucket struct {
	Conversation string    `json:"conversation" bson:"conversation"`
	Seq          int       `json:"seq" bson:"seq"`
	Count        int       `json:"count" bson:"count"`
	Data         []byte    `json:"data" bson:"data"`
	UpdatedAt    time.Time `json:"updatedAt" bson:"updatedAt"`
}

// Buckets stores message buckets keyed by (Conversation, Seq).
type Buckets interface {
	// Put upserts the buckets, all in one batched write.
	Put(ctx context.Context, buckets []Bucket) error
	// Get returns one bucket or ErrNotFound.
	Get(ctx context.Context, conversation string, seq int) (Bucket, error)
}
