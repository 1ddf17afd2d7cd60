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

	// Parts, when a writer sets it instead of Data, is the bucket one message at a time: Data
	// is the JSON array of the parts (Array). Changed lists the parts written since the bucket
	// was last stored, so a backend that keeps parts apart (the embedded store) writes only
	// those — a busy conversation's flush then costs its new or changed messages, not the
	// whole bucket — while one that keeps whole buckets (MongoDB) writes Array. The parts are
	// shared with the writer and never changed after the call; Count is len(Parts). Reads
	// return Data.
	Parts   [][]byte `json:"-" bson:"-"`
	Changed []int    `json:"-" bson:"-"`
}

// Array returns Data, or the JSON array of Parts when the bucket was given in parts.
func (b Bucket) Array() []byte {
	if b.Parts == nil {
		return b.Data
	}
	return JoinParts(b.Parts)
}

// JoinParts is the JSON array of parts, each already a JSON value.
func JoinParts(parts [][]byte) []byte {
	size := 2
	for _, p := range parts {
		size += len(p) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i, p := range parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, p...)
	}
	return append(out, ']')
}

// Buckets stores message buckets keyed by (Conversation, Seq).
type Buckets interface {
	// Put upserts the buckets, all in one batched write.
	Put(ctx context.Context, buckets []Bucket) error
	// Get returns one bucket or ErrNotFound.
	Get(ctx context.Context, conversation string, seq int) (Bucket, error)
	// GetRange returns the stored buckets of conversation with from <= seq < to, in seq
	// order, each as Get returns it; a seq with none stored is left out (no ErrNotFound).
	// It costs what one Get does whatever the range holds (a conversation's activation reads
	// its newest buckets with it), so it is meant for the few buckets a caller keeps in
	// memory, not a conversation's whole history.
	GetRange(ctx context.Context, conversation string, from, to int) ([]Bucket, error)
}
